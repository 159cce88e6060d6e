/// A keyset pagination position: an integer sort key and the job id that breaks its ties, written
/// `<key>.<id>` (`1717171717123456.0190b6a4-7c1e-7cc3-9a1e-3f0c2b9d4e5f`).
///
/// Every list of the API pages this way: history search by creation time in microseconds, dead
/// letters by death time in milliseconds. Callers pass a cursor back unchanged; it is not signed,
/// because it grants nothing a query parameter could not ask for, but it is checked byte by byte
/// against one strict grammar, so a crafted cursor is refused with a 400 naming `cursor` before
/// it reaches SQL or Redis:
///
/// - key: 1 to 18 digits without a sign or leading zero (below 10^18, so arithmetic on it in
///   Postgres' `timestamptz` and `interval`, or as a Redis score, cannot overflow);
/// - id: a UUID in lower-case canonical form.
///
/// Every string the grammar admits is a valid position, so the OpenAPI document's pattern for
/// `cursor` (``pattern``) describes exactly what is accepted.
public struct PageCursor: Sendable, Hashable, CustomStringConvertible {
    public var position: Int64
    public var id: JobID

    /// The largest position a cursor can hold: 18 nines.
    public static let maxPosition: Int64 = 999_999_999_999_999_999
    /// The grammar above as a regular expression (for the OpenAPI document and its tests).
    public static let pattern =
        "^(0|[1-9][0-9]{0,17})\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

    public init(position: Int64, id: JobID) {
        self.position = position
        self.id = id
    }

    /// Decodes a cursor a previous page returned.
    public init(_ encoded: String) throws(ValidationError) {
        let invalid = ValidationError(field: "cursor", reason: "is not a cursor returned by a previous page (\(Self.shape))")
        let bytes = Array(encoded.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")), (1...18).contains(dot), bytes.count == dot + 37 else {
            throw invalid
        }
        var position: Int64 = 0
        for byte in bytes[..<dot] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw invalid }
            position = position * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        guard bytes[0] != UInt8(ascii: "0") || dot == 1 else { throw invalid }
        let id = bytes[(dot + 1)...]
        for (offset, byte) in id.enumerated() {
            let ok =
                switch offset {
                case 8, 13, 18, 23: byte == UInt8(ascii: "-")
                default: (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                }
            guard ok else { throw invalid }
        }
        guard let jobID = try? JobID(String(decoding: id, as: UTF8.self)) else { throw invalid }
        self.init(position: position, id: jobID)
    }

    private static let shape = "digits, a dot and a job id"

    /// The string form.
    public var description: String { "\(position).\(id.rawValue)" }
}
