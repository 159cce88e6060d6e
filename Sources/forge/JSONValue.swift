import ForgeCore

/// A gateway answer as a tree, for the table output: what `JSONSerialization` and `as? [String: Any]`
/// casts gave before, without full Foundation (which brings ICU into the image).
///
/// Object members keep the order they came in and numbers keep their text, so nothing is lost or
/// rounded on the way to a cell (`1.0`, integers beyond 2^63).
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    struct Member: Sendable, Equatable {
        var key: String
        var value: JSONValue
    }

    /// Parses one JSON value by the gateway's own strict grammar (``JSONTape``).
    init(parsing bytes: [UInt8]) throws(JSONTape.SyntaxError) {
        self.init(try JSONTape(bytes), node: 0)
    }

    private init(_ tape: JSONTape, node index: Int) {
        switch tape.nodes[index].kind {
        case .null: self = .null
        case .true: self = .bool(true)
        case .false: self = .bool(false)
        case .number: self = .number(tape.raw(index))
        case .string: self = .string(tape.string(index))
        case .array: self = .array(tape.elements(index).map { JSONValue(tape, node: $0) })
        case .object:
            // A repeated key keeps its first place and its last value, as a dictionary did.
            var members: [Member] = []
            var positions: [String: Int] = [:]
            for (key, value) in tape.members(index) {
                let member = Member(key: tape.string(key), value: JSONValue(tape, node: value))
                if let position = positions[member.key] {
                    members[position].value = member.value
                } else {
                    positions[member.key] = members.count
                    members.append(member)
                }
            }
            self = .object(members)
        }
    }

    /// The member named `key` of an object; nil for a missing member or a value that is no object.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The members of an object, none for any other value (as `as? [String: Any] ?? [:]` gave).
    var members: [Member] {
        if case .object(let members) = self { members } else { [] }
    }

    var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    var bool: Bool? {
        if case .bool(let flag) = self { flag } else { nil }
    }

    /// The elements of an array made only of objects (what `as? [[String: Any]]` accepted), else nil.
    var objects: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements.allSatisfy({ if case .object = $0 { true } else { false } }) ? elements : nil
    }
}
