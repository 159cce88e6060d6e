/// Checks on JSON text that Forge stores as it was sent.
public enum JSONText {
    /// Whether `text` is one JSON value by the gateway's strict grammar (``JSONTape``).
    public static func isValid(_ text: String) -> Bool { parse(text) != nil }

    /// Whether history can store `text` as JSON as it is: valid (``isValid(_:)``) and without
    /// U+0000 (see ``containsNullCharacter(_:)``). One parse, no Foundation objects: the archiver
    /// asks this of every payload and result.
    public static func isStorable(_ text: String) -> Bool { parse(text).map { !$0.nodes[0].hasNull } ?? false }

    private static func parse(_ text: String) -> JSONTape? { try? JSONTape(Array(text.utf8)) }

    /// Whether `text` holds the character U+0000, escaped (`\u0000` inside a string) or raw.
    ///
    /// Valid JSON may carry it, but Postgres `jsonb` refuses it ("unsupported Unicode escape
    /// sequence") and `text` cannot hold it, so history could not store such a value as JSON.
    /// The scan needs no parser: in valid JSON every backslash starts an escape inside a
    /// string, so skipping the character after each one keeps `\\u0000` (a backslash, then
    /// `u0000`) apart from the escape.
    public static func containsNullCharacter(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var index = 0
            let count = bytes.count
            while index < count {
                switch bytes[index] {
                case 0:
                    return true
                case UInt8(ascii: "\\"):
                    if index + 5 < count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "0"),
                        bytes[index + 3] == UInt8(ascii: "0"), bytes[index + 4] == UInt8(ascii: "0"),
                        bytes[index + 5] == UInt8(ascii: "0")
                    {
                        return true
                    }
                    index += 2
                default:
                    index += 1
                }
            }
            return false
        }
    }
}
