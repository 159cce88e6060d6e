import ForgeCore

/// Human output: aligned columns; `--json` output: the gateway's JSON as it came.
enum Output {
    static func table(_ header: [String], _ rows: [[String]]) {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        // Padded by characters, the unit the widths are counted in.
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: max(0, widths[index] - cell.count))
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    /// The gateway's body exactly as sent (re-encoding would reorder keys and change numbers such
    /// as `1.0`); nothing for an empty body (204 No Content).
    static func json(_ body: [UInt8]) {
        guard !body.isEmpty else { return }
        var text = String(decoding: body, as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        FileDescriptorIO.writeAll(Array(text.utf8), to: FileDescriptorIO.standardOutput)
    }

    /// A JSON value as short text for a table cell.
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null: "-"
        case .string(let text): text
        case .number(let text): text
        // What `NSNumber.stringValue` gave for JSON booleans before the port.
        case .bool(let flag): flag ? "1" : "0"
        case .array, .object: value?.compactText ?? "-"
        }
    }
}
