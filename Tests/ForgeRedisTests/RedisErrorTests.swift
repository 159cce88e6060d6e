@testable import ForgeRedis
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
