import ForgeCore

/// What a ``WorkerCore`` event asks of the world, for the driver to carry out.
package struct WorkerEffects<Run> {
    package var bells: WorkerBells = []
    /// Handlers to stop, and why (each run's first stop wins; a stop after its end is ignored).
    package var stops: [(run: Run, reason: StopReason)] = []
    /// Jobs whose handler was stopped because their lease is no longer this worker's.
    package var lost: [LeasedJob] = []
    /// Jobs whose handler the worker gave up on (it ignored its stop for the runaway grace).
    package var runaways: [LeasedJob] = []
    /// Handlers running now, when that changed.
    package var busy: Int?
    /// Handlers given up on whose tasks still run, when that changed.
    package var runawaysRunning: Int?

    package init() {}
}

extension WorkerEffects: Sendable where Run: Sendable {}

/// The loops to wake: each waits on one bell (``Doorbell``) and re-checks the core when it rings.
package struct WorkerBells: OptionSet, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Slots were freed, acks flushed or draining began: the fetcher.
    package static let fetch = WorkerBells(rawValue: 1 << 0)
    /// A completion was queued or draining began: the ack flusher.
    package static let flush = WorkerBells(rawValue: 1 << 1)
    /// A run left the table or a flush ended: the drainer, which waits for idle.
    package static let change = WorkerBells(rawValue: 1 << 2)
    /// Draining began.
    package static let drain = WorkerBells(rawValue: 1 << 3)
    /// A run with an earlier deadline than the watcher sleeps until started.
    package static let deadline = WorkerBells(rawValue: 1 << 4)
}
