import ForgeLoad
import Foundation
import Testing

struct FormatTests {
    /// `Format.fixed` replaced `String(format: "%.Nf")` (Foundation, not in FoundationEssentials):
    /// the same text for the values a report prints.
    @Test func fixedPrintsWhatPrintfPrints() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, 0.5, 1.5, 2.5, 0.125, 0.375, 1.005, 99.995, 1e-9, 123_456_789.987, 3.14159, 1e15, -2.5, -0.75,
            // Just under a half (…7594999969): scaling by 1 000 rounded it up, printf does not.
            196_893_176.7595,
        ]
        for _ in 0..<5000 {
            let magnitude = Double.random(in: -4...9, using: &generator)
            values.append(pow(10, magnitude) * (Bool.random(using: &generator) ? 1 : -1))
        }
        for value in values {
            for digits in 0...3 {
                #expect(Format.fixed(value, digits) == String(format: "%.\(digits)f", value), "\(value) with \(digits) digits")
            }
        }
    }
}
