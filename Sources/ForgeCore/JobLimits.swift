/// Bounds on what a caller may ask of Forge (the OpenAPI document states the same numbers).
public struct JobLimits: Sendable, Hashable {
    public var maxPayloadBytes: Int
    public var maxAttempts: ClosedRange<Int>
    public var timeoutMs: ClosedRange<Int64>
    public var uniqueForMs: ClosedRange<Int64>
    public var maxDelayMs: Int64

    public init(
        maxPayloadBytes: Int = 1 << 20,
        maxAttempts: ClosedRange<Int> = 1...1000,
        timeoutMs: ClosedRange<Int64> = 1...86_400_000,
        uniqueForMs: ClosedRange<Int64> = 1...(30 * 86_400_000),
        maxDelayMs: Int64 = 365 * 86_400_000
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxAttempts = maxAttempts
        self.timeoutMs = timeoutMs
        self.uniqueForMs = uniqueForMs
        self.maxDelayMs = maxDelayMs
    }

    public static let standard = JobLimits()
}
