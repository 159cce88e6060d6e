import ForgeCore
import Testing

/// What history stores as JSON as it is, and what it quotes instead (``JSONText``).
@Suite struct JSONTextTests {
    @Test(arguments: [
        "null", "0", "-1.5e3", "\"text\"", "[]", "{}", #"{"a":[1,{"b":"\u00e9\ud83d\ude00"}],"c":true}"#, " [1, 2] ",
    ])
    func validJSONIsStorable(text: String) {
        #expect(JSONText.isValid(text))
        #expect(JSONText.isStorable(text))
    }

    @Test(arguments: [
        "", "nul", "01", "1.", "[1,]", "{\"a\":1,}", "'a'", "[1] 2", #""\ud800""#, #""\udc00x""#, "\"tab\there\"",
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
    ])
    func invalidJSONIsNeither(text: String) {
        #expect(!JSONText.isValid(text))
        #expect(!JSONText.isStorable(text))
    }

    @Test func aNullCharacterAnywhereIsValidButNotStorable() {
        for text in [#""a\u0000b""#, #"{"k\u0000":1}"#, #"[["\u0000"]]"#] {
            #expect(JSONText.isValid(text))
            #expect(!JSONText.isStorable(text))
        }
        #expect(JSONText.isStorable(#""\\u0000""#), "an escaped backslash then u0000 is no NUL")
    }
}
