import ForgeRedis
import Testing

/// `redis+cluster://` URLs: seeds, credentials, and what a cluster URL may not hold.
@Suite struct ClusterURLTests {
    @Test func seedsAndCredentialsAreRead() throws {
        let one = try RedisConfiguration(url: "redis+cluster://10.0.0.1:7000")
        #expect(one.cluster && one.host == "10.0.0.1" && one.port == 7000 && one.moreSeeds.isEmpty && one.password == nil)
        let many = try RedisConfiguration(url: "redis+cluster://app:s%40cret@redis-0:6379,redis-1:6380,redis-2/", poolSize: 3)
        #expect(many.cluster && many.host == "redis-0" && many.port == 6379)
        #expect(many.moreSeeds == ["redis-1:6380", "redis-2:6379"])
        #expect(many.username == "app" && many.password == "s@cret")
        #expect(many.poolSize == 3)
        #expect(try RedisConfiguration(url: "redis://127.0.0.1:6379").cluster == false)
    }

    @Test func badClusterURLsAreRefusedNamingTheSetting() {
        for url in ["redis+cluster://", "redis+cluster://a:1,,b:2", "redis+cluster://a:1/2", "redis+cluster://a:1,b:port"] {
            #expect(throws: RedisError.self, "\(url)") { try RedisConfiguration(url: url, setting: "FORGE_REDIS_URL") }
            do {
                _ = try RedisConfiguration(url: url, setting: "FORGE_REDIS_URL")
            } catch {
                #expect(error.message.hasPrefix("FORGE_REDIS_URL: "), "\(error.message)")
                #expect(error.message.contains("redis+cluster://[user:password@]host:port[,host:port…]"), "\(error.message)")
            }
        }
    }
}
