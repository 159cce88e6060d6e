import ForgeRedis
import Testing

@Suite struct RedisErrorTests {
    /// A Redis that answers `LOADING` (reading its AOF after a restart) or `BUSY` did not run the
    /// command and will serve again shortly: callers must see it as unavailable (503 and retry),
    /// not as a failed command (500). Seen with a 1 GB AOF: 14 s of 500s before this.
    @Test func repliesOfARedisNotServingYetMeanUnavailable() {
        for reply in [
            "LOADING Redis is loading the dataset in memory", "BUSY Redis is busy running a script.",
            "MASTERDOWN Link with MASTER is down", "TRYAGAIN Multiple keys request during rehashing of slot",
        ] {
            #expect(RedisError.server(reply).isUnavailable, "\(reply)")
        }
        #expect(!RedisError.server("ERR wrong number of arguments").isUnavailable)
        #expect(!RedisError.server("NOSCRIPT No matching script").isUnavailable)
    }
}

@Suite struct RedisConfigurationTests {
    /// The password was percent-decoded twice: one holding `%` was dropped (no AUTH was sent) and
    /// one holding `%41` became `A`.
    @Test func percentEncodedPasswordIsDecodedOnce() throws {
        let plain = try RedisConfiguration(url: "redis://app:p%25ss%2541w0rd@cache:6380/2")
        #expect(plain.username == "app")
        #expect(plain.password == "p%ss%41w0rd")
        #expect(plain.host == "cache" && plain.port == 6380 && plain.database == 2)
        let reserved = try RedisConfiguration(url: "redis://:a%2Fb%40c%3Ad@127.0.0.1")
        #expect(reserved.password == "a/b@c:d")
        #expect(reserved.username == nil)
    }
}
