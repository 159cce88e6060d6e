import CLinuxIO
import Glibc
import NIOPosix
import Synchronization

/// Sends the run's requests over keep-alive HTTP/1.1 connections from one thread of its own that
/// waits on epoll (nanosecond timeouts with `epoll_pwait2`): the schedule, the writes, the
/// answers and the timeouts are all handled there, and the request's bytes are made once.
///
/// forge-load shares the machine with the system it measures, so what the generator costs is
/// taken from what it measures. Through async-http-client it cost 256 µs of CPU per request at
/// 1 000 requests/s, 33 times what `wrk` spends on the same request (a future, a deadline timer,
/// a pool state machine and a thread hop per request); this costs about what `wrk` does.
///
/// One request at a time per connection (no pipelining): an open-loop request whose time has
/// come goes out on an idle connection, or on a new one up to `--connections`, else it waits
/// for one and is counted late (its latency still runs from its due time).
package struct SocketDriver: Sendable {
    package enum Pacing: Sendable {
        /// Each request when the schedule says, however many are in flight, up to `maxInFlight`.
        case open(ArrivalSchedule, maxInFlight: Int)
        /// `connections` chains, each sending its next request when the last was answered, until `end`.
        case closed(connections: Int, end: ContinuousClock.Instant)
    }

    let request: WireRequest
    let maxConnections: Int
    let timeout: Duration
    let recorder: LoadRecorder
    let inFlight: InFlightCount

    package init(request: WireRequest, maxConnections: Int, timeout: Duration, recorder: LoadRecorder, inFlight: InFlightCount) {
        self.request = request
        self.maxConnections = maxConnections
        self.timeout = timeout
        self.recorder = recorder
        self.inFlight = inFlight
    }

    /// Returns when every request was answered, failed or timed out (or, once cancelled, when
    /// those in flight were).
    package func run(_ pacing: Pacing) async {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        let stop = StopSignal()
        await withTaskCancellationHandler {
            try? await thread.runIfActive { SocketLoop(driver: self, pacing: pacing, stop: stop).run() }
        } onCancel: {
            stop.raise()
        }
        try? await thread.shutdownGracefully()
    }
}

/// Tells the sending thread to stop sending, and wakes it if it waits on epoll.
private final class StopSignal: Sendable {
    /// An eventfd the loop waits on beside its sockets.
    let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
    private let raised = Atomic(false)

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    func raise() {
        raised.store(true, ordering: .relaxed)
        var one: UInt64 = 1
        _ = write(fd, &one, 8)
    }

    deinit { close(fd) }
}

/// The state of one run's sending thread. Lives and dies on that thread.
private final class SocketLoop {
    /// A class, not a struct: the loop reads and changes connections in place many times per
    /// request, and copies of a struct holding the reader's buffers were a tenth of its time.
    private final class Connection {
        let fd: Int32
        var connected = false
        var busy = false
        /// Bytes of the current request written so far.
        var written = 0
        /// The current request's bytes (its queue's turn, see ``WireRequest/bytes(forRequest:)``).
        var bytes: [UInt8] = []
        /// Whether EPOLLOUT is registered (a connect or a write in progress).
        var watchingWrites = true
        var due = ContinuousClock.now
        var started = ContinuousClock.now
        var deadline = ContinuousClock.now
        var reader: ResponseReader

        init(fd: Int32, reader: ResponseReader) {
            self.fd = fd
            self.reader = reader
        }
    }

    private let driver: SocketDriver
    /// The open loop's schedule and in-flight cap, or the closed loop's end.
    private let schedule: ArrivalSchedule?
    private let maxInFlight: Int
    private let closedUntil: ContinuousClock.Instant?
    private let chains: Int
    private let stop: StopSignal
    private let clock = ContinuousClock()
    private let epoll: Int32
    private var connections: [Connection?] = []
    private var idle: [Int] = []
    private var openCount = 0
    private var busyCount = 0
    /// The next request of the open-loop schedule.
    private var next = 0
    /// Requests sent so far, open or closed loop: picks each one's queue in turn.
    private var sequence = 0
    /// When each closed-loop chain paused after a connection failure goes on.
    private var resuming: [ContinuousClock.Instant] = []
    private var preciseWait = true

    init(driver: SocketDriver, pacing: SocketDriver.Pacing, stop: StopSignal) {
        self.driver = driver
        switch pacing {
        case .open(let schedule, let maxInFlight):
            (self.schedule, self.maxInFlight, closedUntil, chains) = (schedule, maxInFlight, nil, 0)
        case .closed(let connections, let end):
            (schedule, maxInFlight, closedUntil, chains) = (nil, connections, end, connections)
        }
        self.stop = stop
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    deinit { close(epoll) }

    func run() {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64.max
        epoll_ctl(epoll, EPOLL_CTL_ADD, stop.fd, &event)
        if let end = closedUntil, clock.now < end {
            for _ in 0..<chains { startChain() }
        }
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer {
            buffer.deallocate()
            for slot in connections.indices where connections[slot] != nil { drop(slot) }
        }
        while true {
            let now = clock.now
            expire(now)
            let nextDue = feed(now)
            if busyCount == 0, stop.isRaised || nextDue == nil && isDoneSending { return }
            let count = wait(&events, until: earliest(nextDue))
            for index in 0..<Int(max(0, count)) {
                let tag = events[index].data.u64
                if tag == UInt64.max {
                    var value: UInt64 = 0
                    _ = read(stop.fd, &value, 8)
                    continue
                }
                let slot = Int(tag)
                guard connections.indices.contains(slot), connections[slot] != nil else { continue }
                let flags = events[index].events
                if flags & EPOLLOUT.rawValue != 0 { writable(slot) }
                if connections[slot] != nil, flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                    readable(slot, buffer)
                }
            }
        }
    }

    // MARK: Pacing

    private var isDoneSending: Bool {
        guard let schedule else { return true }
        return next >= schedule.end || stop.isRaised
    }

    /// Sends every open-loop request whose time has come and that has a connection to go on;
    /// returns when the next one is due (`nil`: none, or it must wait for a free connection).
    /// In the closed loop: restarts the chains whose pause after a connection failure is over.
    private func feed(_ now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard let schedule else { return resumeChains(now) }
        while next < schedule.end, !stop.isRaised {
            let due = schedule.due(next)
            if due > now { return due }
            guard busyCount < maxInFlight else { return nil }
            if let slot = idle.popLast() {
                send(on: slot, due: due)
            } else if openCount < driver.maxConnections {
                if let slot = open() {
                    send(on: slot, due: due)
                } else {
                    // No socket to send it on (out of descriptors, an immediate refusal): it fails now.
                    driver.recorder.record(due: due, started: now, answered: clock.now, outcome: .failed(.connection))
                }
            } else {
                return nil  // waits for a connection to free up; counted late when it goes
            }
            next += 1
        }
        return nil
    }

    /// The closed loop's next request on the connection that just answered.
    private func continueChain(on slot: Int) {
        guard let end = closedUntil, !stop.isRaised, clock.now < end else { return }
        if connections[slot] != nil {
            idle.removeAll { $0 == slot }
            send(on: slot, due: clock.now)
        } else {
            startChain()
        }
    }

    /// How long a closed-loop chain waits after a connection failure before it connects again:
    /// against a gateway that is down, chains would otherwise spin a core on refused connects.
    static let reconnectPause: Duration = .milliseconds(10)

    /// A closed-loop chain's request on a new connection; without a socket it fails now and the
    /// chain pauses.
    private func startChain() {
        let now = clock.now
        if let slot = open() {
            send(on: slot, due: now)
        } else {
            driver.recorder.record(due: now, started: now, answered: now, outcome: .failed(.connection))
            resuming.append(now + Self.reconnectPause)
        }
    }

    /// Restarts the paused chains whose time has come; returns when the next one is due.
    private func resumeChains(_ now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        guard !resuming.isEmpty else { return nil }
        guard let end = closedUntil, !stop.isRaised, now < end else {
            resuming.removeAll()
            return nil
        }
        let due = resuming.filter { $0 <= now }
        resuming.removeAll { $0 <= now }
        for _ in due { startChain() }
        return resuming.min()
    }

    private func earliest(_ nextDue: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        var soonest = nextDue
        for slot in connections.indices where connections[slot]?.busy == true {
            let deadline = connections[slot]!.deadline
            if soonest.map({ deadline < $0 }) ?? true { soonest = deadline }
        }
        return soonest
    }

    // MARK: Connections

    /// A new connection (its connect in progress), or `nil` at the limit or when the socket
    /// could not even be made.
    private func open() -> Int? {
        guard openCount < driver.maxConnections else { return nil }
        let fd = socket(driver.request.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let result = driver.request.address.withUnsafeBytes { raw in
            connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(fd)
            return nil
        }
        let slot = connections.firstIndex { $0 == nil } ?? connections.count
        let connection = Connection(fd: fd, reader: ResponseReader(keepsBody: driver.request.jobs > 1))
        if slot == connections.count { connections.append(connection) } else { connections[slot] = connection }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLOUT.rawValue
        event.data.u64 = UInt64(slot)
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        openCount += 1
        return slot
    }

    private func drop(_ slot: Int) {
        guard let connection = connections[slot] else { return }
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        close(connection.fd)
        connections[slot] = nil
        idle.removeAll { $0 == slot }
        openCount -= 1
    }

    private func watchWrites(_ slot: Int, _ on: Bool) {
        guard connections[slot]!.watchingWrites != on else { return }
        connections[slot]!.watchingWrites = on
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (on ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(slot)
        epoll_ctl(epoll, EPOLL_CTL_MOD, connections[slot]!.fd, &event)
    }

    // MARK: Requests

    private func send(on slot: Int, due: ContinuousClock.Instant) {
        let now = clock.now
        connections[slot]!.busy = true
        connections[slot]!.written = 0
        connections[slot]!.bytes = driver.request.bytes(forRequest: sequence)
        sequence += 1
        connections[slot]!.due = due
        connections[slot]!.started = now
        connections[slot]!.deadline = now + driver.timeout
        busyCount += 1
        driver.inFlight.add(1)
        if connections[slot]!.connected { flush(slot) }
    }

    /// Writes what is left of the current request; waits for EPOLLOUT if the socket is full.
    private func flush(_ slot: Int) {
        let bytes = connections[slot]!.bytes
        while connections[slot]!.written < bytes.count {
            let offset = connections[slot]!.written
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(connections[slot]!.fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connections[slot]!.written += sent
            } else if sent < 0, errno == EAGAIN || errno == EINTR {
                if errno == EAGAIN {
                    watchWrites(slot, true)
                    return
                }
            } else {
                fail(slot, .connection)
                return
            }
        }
        watchWrites(slot, false)
    }

    private func writable(_ slot: Int) {
        if !connections[slot]!.connected {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connections[slot]!.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                fail(slot, .connection)
                return
            }
            connections[slot]!.connected = true
            if !connections[slot]!.busy {
                watchWrites(slot, false)
                return
            }
        }
        if connections[slot]!.busy { flush(slot) } else { watchWrites(slot, false) }
    }

    private func readable(_ slot: Int, _ buffer: UnsafeMutableRawBufferPointer) {
        let count = recv(connections[slot]!.fd, buffer.baseAddress, buffer.count, 0)
        if count < 0, errno == EAGAIN || errno == EINTR { return }
        guard count > 0 else {
            // Closed by the gateway (or reset): a request on it failed; an idle one just goes.
            if connections[slot]!.busy { fail(slot, .connection) } else { drop(slot) }
            return
        }
        let responses: [ResponseReader.Response]
        do {
            responses = try connections[slot]!.reader.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        } catch {
            fail(slot, .other("malformed response: \(error.reason)"))
            return
        }
        for response in responses {
            guard connections[slot]?.busy == true else { break }
            answered(slot, response)
        }
    }

    private func answered(_ slot: Int, _ response: ResponseReader.Response) {
        let outcome: RequestOutcome
        if (200..<300).contains(response.status) {
            let refused = response.body.isEmpty ? 0 : EnqueueAnswer.refusedItems(in: response.body)
            outcome = .accepted(jobs: driver.request.jobs - refused, refused: refused)
        } else {
            outcome = .failed(.status(response.status))
        }
        finish(slot, outcome)
        if response.closes {
            drop(slot)
        } else {
            idle.append(slot)
        }
        continueChain(on: slot)
    }

    /// The request on `slot` failed: recorded, and the connection is given up. A closed-loop
    /// chain goes on at once after a timeout or a bad answer, after a pause after a refusal.
    private func fail(_ slot: Int, _ kind: ErrorKind) {
        if connections[slot]!.busy { finish(slot, .failed(kind)) }
        drop(slot)
        if kind == .connection, let end = closedUntil, clock.now < end {
            resuming.append(clock.now + Self.reconnectPause)
        } else {
            continueChain(on: slot)
        }
    }

    private func finish(_ slot: Int, _ outcome: RequestOutcome) {
        let (due, started) = (connections[slot]!.due, connections[slot]!.started)
        connections[slot]!.busy = false
        busyCount -= 1
        driver.recorder.record(due: due, started: started, answered: clock.now, outcome: outcome)
        driver.inFlight.add(-1)
    }

    /// Requests past their timeout fail as timeouts; their connections cannot be reused.
    private func expire(_ now: ContinuousClock.Instant) {
        for slot in connections.indices where connections[slot]?.busy == true && connections[slot]!.deadline <= now {
            fail(slot, .timeout)
        }
    }

    // MARK: Waiting

    /// Waits for events until `deadline` (`nil`: until an event). Nanosecond timeouts need
    /// `epoll_pwait2` (Linux 5.11); on an older kernel, milliseconds rounded up.
    private func wait(_ events: inout [epoll_event], until deadline: ContinuousClock.Instant?) -> Int32 {
        let capacity = Int32(events.count)
        guard let deadline else { return epoll_wait(epoll, &events, capacity, -1) }
        let left = max(.zero, deadline - clock.now)
        if preciseWait {
            let parts = left.components
            var spec = timespec(tv_sec: Int(parts.seconds), tv_nsec: Int(parts.attoseconds / 1_000_000_000))
            let count = epoll_pwait2(epoll, &events, capacity, &spec, nil)
            if count >= 0 || errno != ENOSYS { return count }
            preciseWait = false
        }
        let ms = Int32(min(Double(Int32.max), (left / .milliseconds(1)).rounded(.up)))
        return epoll_wait(epoll, &events, capacity, ms)
    }
}
