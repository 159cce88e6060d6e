import ForgeRedis
import Testing

/// Which key routes a command on a cluster, and reading `MOVED` / `ASK` replies.
@Suite struct CommandRoutingTests {
    @Test func theFirstKeyRoutesWhereverTheCommandKeepsIt() {
        #expect(CommandRouting.key(of: ["GET", "a"]) == "a")
        #expect(CommandRouting.key(of: ["hset", "h", "f", "v"]) == "h")
        #expect(CommandRouting.key(of: ["EVALSHA", "abc", "2", "k1", "k2", "arg"]) == "k1")
        #expect(CommandRouting.key(of: ["EVAL", "return 1", "0", "arg"]) == nil)
        #expect(CommandRouting.key(of: ["XREADGROUP", "GROUP", "g", "c", "COUNT", "10", "STREAMS", "s1", ">"]) == "s1")
        #expect(CommandRouting.key(of: ["MEMORY", "USAGE", "k"]) == "k")
        #expect(CommandRouting.key(of: ["XGROUP", "CREATE", "s", "g", "0"]) == "s")
        for keyless in [["PING"], ["TIME"], ["INFO", "memory"], ["SCRIPT", "LOAD", "x"], ["CLUSTER", "SLOTS"], []] {
            #expect(CommandRouting.key(of: keyless) == nil, "\(keyless)")
        }
    }

    @Test func redirectionsAreReadAndOtherErrorsAreNot() throws {
        let moved = try #require(Redirection(.error("MOVED 3999 127.0.0.1:6381")))
        #expect(moved.kind == .moved)
        #expect(moved.slot == HashSlot(rawValue: 3999))
        #expect(moved.node == NodeAddress(host: "127.0.0.1", port: 6381))
        let ask = try #require(Redirection(.error("ASK 12 :7000")))
        #expect(ask.kind == .ask)
        #expect(ask.node == NodeAddress(host: "", port: 7000))
        #expect(Redirection(.error("MOVED 3999 [::1]:6381"))?.node == NodeAddress(host: "[::1]", port: 6381))
        for other: RedisValue in [
            .error("ERR unknown command"), .error("MOVED 99999 h:1"), .error("CLUSTERDOWN The cluster is down"), .string("MOVED 1 h:2"),
        ] {
            #expect(Redirection(other) == nil, "\(other)")
        }
    }
}
