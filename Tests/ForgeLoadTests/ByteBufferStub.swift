import NIOCore

/// Builds ByteBuffers for tests of code that reads HTTP bodies.
enum ByteBufferStub {
    static func make(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
