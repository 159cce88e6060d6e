import Foundation

/// Human output: aligned columns; `--json` output: the gateway's JSON as it came.
enum Output {
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    /// The gateway's body exactly as sent (re-encoding would reorder keys and change numbers such
    /// as `1.0`); nothing for an empty body (204 No Content).
    static func json(_ data: Data) {
        guard !data.isEmpty else { return }
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// A JSON value as short text for a table cell.
    static func cell(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "-"
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default:
            guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else {
                return "?"
            }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
