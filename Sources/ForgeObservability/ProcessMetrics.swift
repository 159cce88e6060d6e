import ForgeCore
import Prometheus
import Synchronization

#if os(Linux)
import Glibc
#endif

/// The standard Prometheus process metrics (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`,
/// `process_max_fds`, `process_start_time_seconds`), read from `/proc/self` on every scrape and
/// registered on the same registry as ``ForgeMetrics``.
///
/// The names match the Go and Java clients so stock dashboards and alerts work unchanged. On
/// platforms without `/proc` nothing is registered and ``refresh()`` does nothing.
///
/// Create one per registry: the CPU counter advances by the difference since this instance's last
/// reading, so two instances on one registry would count CPU time twice.
public final class ProcessMetrics: Sendable {
    #if os(Linux)
    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let openFDs: Gauge
    private let maxFDs: Gauge
    private let startTime: Gauge
    /// CPU seconds already added to the counter. swift-prometheus counters cannot be set, only
    /// incremented, so each refresh adds the growth since the last one; the lock keeps two
    /// concurrent scrapes from adding the same growth twice.
    private let reportedCPU = Mutex<Double>(0)
    #endif

    public init(registry: PrometheusCollectorRegistry) {
        #if os(Linux)
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: [])
        }
        cpuSeconds = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "process_cpu_seconds_total",
                unitName: "",
                helpText: "Total user and system CPU time spent in seconds."
            ),
            labels: []
        )
        residentBytes = gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
        virtualBytes = gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
        openFDs = gauge("process_open_fds", "Number of open file descriptors.")
        maxFDs = gauge("process_max_fds", "Maximum number of open file descriptors.")
        startTime = gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
        #endif
    }

    /// Reads `/proc/self` and updates every family; a file that cannot be read leaves its
    /// families at their last value rather than failing the scrape.
    ///
    /// procfs reads are served from kernel memory and never wait on a disk, so this is safe to
    /// call from the request handler.
    public func refresh() {
        #if os(Linux)
        if let stat = ProcStat.read() {
            reportedCPU.withLock { reported in
                let growth = stat.cpuSeconds - reported
                if growth > 0 {
                    cpuSeconds.increment(by: growth)
                    reported = stat.cpuSeconds
                }
            }
            residentBytes.set(Double(stat.residentBytes))
            virtualBytes.set(Double(stat.virtualBytes))
            if let bootTime = ProcStat.bootTime() {
                startTime.set(Double(bootTime) + stat.startSecondsAfterBoot)
            }
        }
        if let count = ProcStat.openFileCount() { openFDs.set(Double(count)) }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            // RLIM_INFINITY is all ones; the C macro does not import into Swift.
            maxFDs.set(limit.rlim_cur == rlim_t.max ? Double(Int64.max) : Double(limit.rlim_cur))
        }
        #endif
    }
}

#if os(Linux)
/// The fields of `/proc/self/stat` the process metrics need, plus the other procfs readers.
struct ProcStat {
    var cpuSeconds: Double
    var startSecondsAfterBoot: Double
    var virtualBytes: Int
    var residentBytes: Int

    static func read() -> ProcStat? {
        guard let text = readProcFile("/proc/self/stat") else { return nil }
        return parse(text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))), pageSize: sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Parses `/proc/<pid>/stat` (see proc(5)). The command name (field 2) is in parentheses and
    /// may itself contain spaces or parentheses, so fields are counted after the LAST `)`.
    static func parse(_ text: String, ticksPerSecond: Double, pageSize: Int) -> ProcStat? {
        guard let close = text.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // After ")": field 3 (state) is index 0, so field N is index N - 3.
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 21,
            let utime = Double(fields[11]), let stime = Double(fields[12]),
            let start = Double(fields[19]), let vsize = Int(fields[20]), let rss = Int(fields[21])
        else { return nil }
        return ProcStat(
            cpuSeconds: (utime + stime) / ticksPerSecond,
            startSecondsAfterBoot: start / ticksPerSecond,
            virtualBytes: vsize,
            residentBytes: rss * pageSize
        )
    }

    /// `btime` from `/proc/stat`: when the machine booted, in seconds since the epoch.
    static func bootTime() -> Int? {
        guard let text = readProcFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Int(line.dropFirst("btime ".count).trimmingPrefix(" "))
        }
        return nil
    }

    /// Entries of `/proc/self/fd`, not counting the descriptor opened to list it.
    static func openFileCount() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }

    /// Reads a procfs file to its end (procfs reports a size of 0, so until EOF).
    static func readProcFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard case .complete(let bytes) = FileDescriptorIO.readAll(fd) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
#endif
