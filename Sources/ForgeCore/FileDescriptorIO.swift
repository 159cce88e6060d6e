#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole reads and writes on a file descriptor, retried when a signal interrupts them: what
/// `FileHandle` did for us, which is not in `FoundationEssentials`.
package enum FileDescriptorIO {
    package static let standardInput: Int32 = 0
    package static let standardOutput: Int32 = 1
    package static let standardError: Int32 = 2

    /// Writes all of `bytes` unbuffered, one `write` when it fits (a log line shorter than a
    /// pipe's atomic size does not interleave with another). False when the descriptor refused,
    /// e.g. its reader has gone: there is no one left to tell.
    @discardableResult
    package static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }

    package enum ReadOutcome: Equatable {
        case complete([UInt8])
        case failed(errno: Int32)
        /// More than the limit arrived before the end of file.
        case tooLong
    }

    /// Everything up to the end of file, at most `limit` bytes.
    package static func readAll(_ descriptor: Int32, limit: Int = .max) -> ReadOutcome {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failed(errno: errno) }
            if count == 0 { return .complete(bytes) }
            bytes += chunk[..<count]
            guard bytes.count <= limit else { return .tooLong }
        }
    }
}

// The C calls under names of their own: inside `FileDescriptorIO`, a plain `write` or `read`
// would not be the C function.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
