import ForgeCore
import Foundation

/// A keyset pagination position: the `(created_at, id)` of the last row of a page.
///
/// Opaque to callers (base64url of `<created_at in µs>:<id>`) so the encoding can change; exact to
/// the microsecond so no row is skipped or repeated at a page boundary.
public struct JobCursor: Sendable, Hashable, CustomStringConvertible {
    public var createdAtMicros: Int64
    public var id: JobID

    public init(createdAtMicros: Int64, id: JobID) {
        self.createdAtMicros = createdAtMicros
        self.id = id
    }

    /// Decodes a cursor a previous page returned.
    public init(_ encoded: String) throws(ValidationError) {
        let invalid = ValidationError(field: "cursor", reason: "is not a cursor returned by a previous page")
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { throw invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = try? JobID(String(parts[1])) else {
            throw invalid
        }
        self.init(createdAtMicros: micros, id: id)
    }

    /// The opaque string form.
    public var description: String {
        Data("\(createdAtMicros):\(id.rawValue)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
