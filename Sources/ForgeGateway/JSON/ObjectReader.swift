import ForgeCore

/// Reads the fields of one JSON object of a parsed body by name, each error naming the field by
/// its full path (`jobs[3].priority`), and refuses fields nobody read (``finish()``), so a typo
/// such as `colour` is an error instead of being silently ignored. A name given twice is refused
/// too: two parsers reading the same body must not see different values.
package struct ObjectReader {
    let tape: JSONTape
    let path: String
    /// Each member's value node and its position among the members.
    private let members: [String: (node: Int, ordinal: Int)]
    /// Which members were asked for, by position: a set of the names read grew by reallocation,
    /// field after field, on every request. Positions past 63 (a body of unknown fields) go to
    /// `readBeyondMask`.
    private var readMask: UInt64 = 0
    private var readBeyondMask: Set<Int> = []

    /// The object at node `index` of `tape`.
    package init(tape: JSONTape, index: Int, path: String) throws(ValidationError) {
        self.tape = tape
        self.path = path
        let pairs = tape.members(index)
        var members: [String: (node: Int, ordinal: Int)] = [:]
        members.reserveCapacity(pairs.count)
        for (ordinal, (key, value)) in pairs.enumerated() {
            let name = tape.string(key)
            guard members.updateValue((value, ordinal), forKey: name) == nil else {
                throw ValidationError(field: path.isEmpty ? name : "\(path).\(name)", reason: "is given more than once")
            }
        }
        self.members = members
    }

    /// The full name of `key` in the request.
    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func invalid(_ key: String, _ reason: String) -> ValidationError {
        ValidationError(field: field(key), reason: reason)
    }

    /// The value's node, explicit `null` included; `nil` when absent.
    mutating func node(_ key: String) -> Int? {
        guard let member = members[key] else { return nil }
        if member.ordinal < 64 { readMask |= 1 << member.ordinal } else { readBeyondMask.insert(member.ordinal) }
        return member.node
    }

    private func wasRead(_ ordinal: Int) -> Bool {
        ordinal < 64 ? readMask & (1 << ordinal) != 0 : readBeyondMask.contains(ordinal)
    }

    /// A present value's node; `nil` when absent. An explicit `null` is refused: every optional
    /// field means "the default" only when it is left out, so `null` cannot mean two things (the
    /// OpenAPI document does not allow it either). `payload`, which may be any JSON value, is read
    /// with ``json(_:)`` instead.
    private mutating func present(_ key: String) throws(ValidationError) -> Int? {
        guard let index = node(key) else { return nil }
        guard tape.nodes[index].kind != .null else { throw invalid(key, "must not be null (leave it out for the default)") }
        return index
    }

    /// The value's exact JSON text (an explicit `null` is `"null"`) and whether it holds U+0000.
    mutating func json(_ key: String) -> (text: String, hasNull: Bool)? {
        guard let index = node(key) else { return nil }
        return (tape.raw(index), tape.nodes[index].hasNull)
    }

    mutating func string(_ key: String) throws(ValidationError) -> String? {
        guard let index = try present(key) else { return nil }
        guard tape.nodes[index].kind == .string else { throw invalid(key, "must be a string") }
        return tape.string(index)
    }

    mutating func requiredString(_ key: String) throws(ValidationError) -> String {
        guard let string = try string(key) else { throw invalid(key, "is required") }
        return string
    }

    mutating func int64(_ key: String) throws(ValidationError) -> Int64? {
        guard let index = try present(key) else { return nil }
        guard tape.nodes[index].kind == .number else { throw invalid(key, "must be an integer") }
        let text = tape.raw(index)
        if let number = Int64(text) { return number }
        // `5.0` and `1e3` are integers too; beyond 2^53 a double no longer says which one.
        if let number = Double(text), number.rounded() == number, abs(number) < 9e15 { return Int64(number) }
        if !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { throw invalid(key, "is out of range") }
        throw invalid(key, "must be an integer")
    }

    package mutating func int(_ key: String) throws(ValidationError) -> Int? {
        guard let number = try int64(key) else { return nil }
        guard let small = Int(exactly: number), abs(small) <= Int(Int32.max) else {
            throw invalid(key, "is out of range")
        }
        return small
    }

    mutating func bool(_ key: String) throws(ValidationError) -> Bool? {
        guard let index = try present(key) else { return nil }
        switch tape.nodes[index].kind {
        case .true: return true
        case .false: return false
        default: throw invalid(key, "must be true or false")
        }
    }

    mutating func object(_ key: String) throws(ValidationError) -> ObjectReader? {
        guard let index = try present(key) else { return nil }
        guard tape.nodes[index].kind == .object else { throw invalid(key, "must be an object") }
        return try ObjectReader(tape: tape, index: index, path: field(key))
    }

    /// The element nodes of an array value.
    mutating func array(_ key: String) throws(ValidationError) -> [Int]? {
        guard let index = try present(key) else { return nil }
        guard tape.nodes[index].kind == .array else { throw invalid(key, "must be an array") }
        return tape.elements(index)
    }

    /// Throws for the first field (in name order, so the error is stable) that was never read.
    package func finish() throws(ValidationError) {
        if let unknown = members.filter({ !wasRead($0.value.ordinal) }).keys.sorted().first {
            throw invalid(unknown, "is not a known field")
        }
    }
}
