import ForgeCore
import HTTPTypes
import Hummingbird
import NIOCore

/// `{"jobs": [job, …], "next_cursor": …}`: one page of a list (history search, dead letters).
enum JobListView {
    /// The page as a response whose body is one buffer per job, each written from its record and
    /// kept as the only copy of that job's text. Writing the whole page into one array and then
    /// copying it into a `ByteBuffer` held every payload three times (record, text, copy); now
    /// twice, plus one job's text while it is written. The page byte budget bounds the rest.
    static func response(_ records: [JobRecord], nextCursor: String?) -> Response {
        var buffers: [ByteBuffer] = []
        buffers.reserveCapacity(records.count + 2)
        buffers.append(ByteBuffer(string: #"{"jobs":["#))
        for (index, record) in records.enumerated() {
            var writer = JSONWriter(capacity: 512 + record.pageBytes)
            JobView(record: record).write(to: &writer)
            var buffer = ByteBuffer()
            buffer.reserveCapacity(writer.bytes.count + 1)
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeBytes(writer.bytes)
            buffers.append(buffer)
        }
        var tail = JSONWriter(capacity: 64)
        tail.string(nextCursor)
        buffers.append(ByteBuffer(string: #"],"next_cursor":"# + String(decoding: tail.bytes, as: UTF8.self) + "}"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(contentsOf: buffers))
    }
}
