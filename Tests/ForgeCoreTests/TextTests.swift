import ForgeCore
import Foundation
import Testing

/// Stand-ins for Foundation's string methods, which are not in FoundationEssentials.
struct TextTests {
    @Test func percentDecodingAgreesWithFoundation() {
        let cases = ["plain", "p%40ss", "%41%42", "%2541", "caf%C3%A9", "a+b", "%", "%4", "%zz", "%FF", "100%", "%e2%82%ac", ""]
        for text in cases {
            #expect(text.percentDecoded == text.removingPercentEncoding, "\(text)")
        }
    }

    @Test func trimmingSpacesDropsASCIIWhiteSpaceAtBothEnds() {
        #expect("  a b \t".trimmingSpaces == "a b")
        #expect("\r\ntoken\n".trimmingSpaces == "token")
        #expect(" \t ".trimmingSpaces == "")
        #expect("x".trimmingSpaces == "x")
        #expect("a , b".split(separator: ",").map(\.trimmingSpaces) == ["a", "b"])
    }
}
