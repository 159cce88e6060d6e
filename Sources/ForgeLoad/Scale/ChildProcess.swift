import CLinuxIO
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program started with `posix_spawn`: what forge-load needs of Foundation's `Process`
/// (start with arguments, environment and output file descriptors; poll; signal), without
/// Foundation, which would load ICU into every Forge program sharing the image's binary.
///
/// The child starts with no signal blocked and default dispositions: Swift's concurrency
/// threads block SIGTERM, and a child inheriting that mask would ignore the SIGTERM that asks a
/// worker to drain.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    /// The wait status once reaped; reaping happens on the first poll that finds the child gone.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` (a path) with `arguments` (without argv[0]), standard input from
    /// /dev/null and standard output and error on `output`. With `newProcessGroup` the child
    /// leads a group of its own, so ``signalGroup(_:)`` reaches what it starts too.
    package init(
        executable: String,
        arguments: [String],
        environment: [String: String],
        output: Int32,
        newProcessGroup: Bool = false
    ) throws(LoadError) {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // Nothing else of the parent's: its sockets are not all close-on-exec, and a child holding
        // a listening socket the parent is closing keeps that port taken (a worker then cannot
        // bind the port it was given).
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([executable] + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv + [nil], envp + [nil])
        guard result == 0 else {
            throw LoadError(.process, "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// Whether the child still runs; reaps it (once) when it has ended.
    package var isRunning: Bool {
        status.withLock { status in
            guard status == nil else { return false }
            var waited: Int32 = 0
            let result = waitpid(pid, &waited, WNOHANG)
            if result == pid {
                status = waited
                return false
            }
            if result == -1 && errno == ECHILD {
                // Reaped elsewhere: its status is lost, so it does not count as a success.
                status = 0xFF << 8
                return false
            }
            return true
        }
    }

    /// The exit code, or 128 + the signal that ended it, as shells report it; nil while running.
    package var exitCode: Int32? {
        guard !isRunning, let waited = status.withLock({ $0 }) else { return nil }
        let signal = waited & 0x7F
        return signal == 0 ? (waited >> 8) & 0xFF : 128 + signal
    }

    package func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Signals the child's process group (it leads one when started with `newProcessGroup`),
    /// else the child alone.
    package func signalGroup(_ signal: Int32) {
        guard isRunning else { return }
        if kill(-pid, signal) != 0 { kill(pid, signal) }
    }
}
