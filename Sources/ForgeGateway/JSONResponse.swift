import ForgeCore
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// Encodes response DTOs as `application/json`; one encoder configuration for every route.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension JSONResponse {
    /// A response written with ``JSONWriter`` (the hot paths, and jobs with their stored JSON).
    static func make(_ writer: JSONWriter, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes))
        )
    }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, writing an explicit `null` when it is absent (the synthesized
    /// `encodeIfPresent` would drop the key, and clients expect every documented field).
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}
