import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A Postgres cluster of the test's own that demands passwords, as a production server does:
/// `scram-sha-256` for every role on TCP except `md5user` (md5), and TLS with a self-signed
/// certificate so `sslmode` can be exercised. The shared test server trusts everyone, which would
/// hide a password that never reaches libpq.
public final class PrivatePostgres: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    /// Role `forge`, owner of database `forge`, and its password (scram).
    public let password = "pgPw-\(UUID().uuidString.prefix(12))"
    /// Role `md5user` and its password, stored and checked as md5.
    public let md5Password = "md5Pw-\(UUID().uuidString.prefix(12))"
    public let ssl: Bool

    public init(ssl: Bool = true) throws {
        port = try freeLoopbackPort()
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("forge-pg-\(port)-\(UUID().uuidString.prefix(6))")
        self.ssl = ssl
    }

    public func url(user: String = "forge", password: String? = nil, query: String = "") -> String {
        "postgres://\(user):\(password ?? self.password)@127.0.0.1:\(port)/forge\(query.isEmpty ? "" : "?" + query)"
    }

    /// initdb, TLS material, pg_hba, start, roles and database; fails with the script's output.
    public func start() throws {
        let dir = directory.path
        let script = """
            set -euo pipefail
            bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
            as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
            mkdir -p \(dir)
            if [ "$(id -u)" -eq 0 ]; then chown postgres \(dir); fi
            chmod 700 \(dir)
            as_pg "$bin/initdb" -D \(dir)/data -U postgres --auth-local=trust --auth-host=reject -E UTF8 >/dev/null
            cat > \(dir)/data/pg_hba.conf <<'HBA'
            local all all trust
            host all md5user 127.0.0.1/32 md5
            host all all 127.0.0.1/32 scram-sha-256
            HBA
            ssl=off
            if \(ssl ? "true" : "false"); then
              as_pg openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \\
                -keyout \(dir)/data/server.key -out \(dir)/data/server.crt >/dev/null 2>&1
              chmod 600 \(dir)/data/server.key
              ssl=on
            fi
            as_pg "$bin/pg_ctl" -D \(dir)/data -l \(dir)/postgres.log -w -t 60 \\
              -o "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c ssl=$ssl" start >/dev/null
            psql -h \(dir) -p \(port) -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 <<'SQL'
            SET password_encryption = 'scram-sha-256';
            CREATE ROLE forge LOGIN PASSWORD '\(password)';
            CREATE DATABASE forge OWNER forge;
            SET password_encryption = 'md5';
            CREATE ROLE md5user LOGIN PASSWORD '\(md5Password)';
            GRANT ALL ON DATABASE forge TO md5user;
            SQL
            """
        try Self.bash(script)
    }

    /// Stops the server (fast shutdown) and removes its files.
    public func stop() {
        let dir = directory.path
        _ = try? Self.bash(
            """
            bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
            if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D \(dir)/data -m immediate -w stop; \
            else "$bin/pg_ctl" -D \(dir)/data -m immediate -w stop; fi
            """
        )
        try? FileManager.default.removeItem(at: directory)
    }

    /// Stops the server but keeps its files (a database outage).
    public func pause() throws {
        try Self.bash(control("stop -m immediate"))
    }

    private func control(_ action: String) -> String {
        """
        bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D \(directory.path)/data -w \(action); \
        else "$bin/pg_ctl" -D \(directory.path)/data -w \(action); fi
        """
    }

    /// Runs `script` and waits for it with `waitpid` on this thread. Foundation's `Process` is not
    /// used here: its `waitUntilExit` was seen spinning forever on a child that had exited (and
    /// stayed a zombie) once pg_ctl had started a server. Output goes to a file, not a pipe.
    @discardableResult
    static func bash(_ script: String) throws -> String {
        let log = "/tmp/forge-pg-script-\(UUID().uuidString).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments: [UnsafeMutablePointer<CChar>?] = ["/bin/bash", "-c", script].map { (text: String) in strdup(text) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, arguments, environ)
        guard spawned == 0 else { throw PortError("posix_spawn failed: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else { throw PortError("script failed (status \(status)): \(text)") }
        return text
    }
}
