import ForgeCore
import ForgeWorker
import Testing

/// Which addresses the `http` handler refuses and what its allowlist lets through, without a
/// network.
@Suite struct HTTPDestinationRulesTests {
    @Test(arguments: [
        "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "169.255.0.1", "223.255.255.255", "::ffff:8.8.8.8",
        "64:ff9b::808:808", "2606:4700:4700::1111", "2001:db8::1",
    ])
    func publicAddressesAreNotRefused(text: String) throws {
        #expect(try #require(IPAddress(text)).refusedRange == nil)
    }

    @Test(arguments: [
        ("127.255.255.254", "a loopback address"), ("0.1.2.3", "an unspecified address"),
        ("172.31.255.255", "a private address"), ("100.127.255.255", "a carrier-grade NAT address"),
        ("239.255.255.250", "a multicast address"), ("240.0.0.1", "a reserved address"),
        ("::ffff:10.0.0.1", "a private address"), ("::10.0.0.1", "a private address"),
        ("64:ff9b::a9fe:a9fe", "a link-local address"), ("febf::1", "a link-local address"),
        ("fec0::1", "a site-local address"), ("fdff::1", "a private address"), ("ff02::1", "a multicast address"),
    ])
    func edgesOfTheRefusedRangesAreRefused(text: String, kind: String) throws {
        #expect(try #require(IPAddress(text)).refusedRange == kind)
    }

    @Test func allowlistMatchesNamesDomainsAndBlocks() throws {
        let list = try HTTPAllowlist(parsing: " hooks.internal , *.svc.cluster.local,10.20.0.0/16,::1,")
        #expect(list.allows(host: "HOOKS.internal."))
        #expect(list.allows(host: "api.team.svc.cluster.local"))
        #expect(!list.allows(host: "svc.cluster.local"))
        #expect(!list.allows(host: "evilsvc.cluster.local"))
        #expect(!list.allows(host: "hooks.internal.example.com"))
        #expect(list.allows(try #require(IPAddress("10.20.3.4"))))
        #expect(list.allows(try #require(IPAddress("::ffff:10.20.3.4"))))
        #expect(!list.allows(try #require(IPAddress("10.21.0.1"))))
        #expect(list.allows(try #require(IPAddress("::1"))))
        #expect(!list.allows(try #require(IPAddress("127.0.0.1"))))
        #expect(HTTPAllowlist().isEmpty)
        #expect(try HTTPAllowlist(parsing: " , ").isEmpty)
    }

    @Test func allowlistNamesTheSettingWhenAnEntryIsNotUnderstood() {
        for text in ["10.0.0.0/33", "10.0.0.0/-1", "http://x", "a b", "::1/200", "*.", "-x.example"] {
            do {
                _ = try HTTPAllowlist(parsing: text)
                Issue.record("'\(text)' was accepted")
            } catch {
                #expect(error.field == "http_allow")
                #expect(error.reason.contains("is not a host name"))
            }
        }
    }
}
