import ForgeLoad

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows progress on standard error: one line rewritten in place on a terminal, plain lines
/// otherwise (logs, CI), so standard output keeps only the final table.
struct Console: Sendable {
    let isTerminal = isatty(STDERR_FILENO) == 1

    var show: @Sendable (ProgressEvent) -> Void {
        { [isTerminal] event in
            switch event {
            case .tick(let line):
                Self.emit(isTerminal ? "\r\u{1B}[2K" + line : line + "\n")
            case .notice(let line):
                Self.emit(isTerminal ? "\r\u{1B}[2K" + line + "\n" : line + "\n")
            case .finished:
                if isTerminal { Self.emit("\n") }
            }
        }
    }

    static func emit(_ text: String) {
        var text = text
        text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
