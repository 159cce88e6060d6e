/// A Redis reply, copied out of hiredis' reply tree into Swift values at once.
public enum RedisValue: Sendable, Hashable {
    case null
    case integer(Int64)
    /// Bulk strings. Everything Forge stores is UTF-8 text (ids, numbers, JSON).
    case string(String)
    case status(String)
    case error(String)
    case array([RedisValue])

    public var string: String? {
        switch self {
        case .string(let value), .status(let value): value
        case .integer(let value): String(value)
        default: nil
        }
    }

    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .string(let value): Int64(value)
        default: nil
        }
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { values } else { nil }
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// An array reply or an error naming what was expected instead.
    func expectArray(_ context: @autoclosure () -> String) throws(RedisError) -> [RedisValue] {
        guard let values = array else { throw RedisError.unexpectedReply(context(), self) }
        return values
    }
}
