/// Back-off between attempts to reach Redis while it is unavailable: 100 ms doubling to 2 s,
/// back to 100 ms after a success. Keeps an outage from turning into a busy loop of errors.
struct RetryDelay {
    private static let first: Int64 = 100
    private static let cap: Int64 = 2_000
    private var nextMs = RetryDelay.first

    mutating func reset() { nextMs = Self.first }

    /// Sleeps the current delay (cancellable), then doubles it.
    mutating func wait() async {
        let ms = nextMs
        nextMs = min(Self.cap, nextMs * 2)
        try? await Task.sleep(for: .milliseconds(ms))
    }
}
