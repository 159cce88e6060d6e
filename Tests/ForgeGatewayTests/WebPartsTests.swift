import ForgeCore
import ForgeGateway
import Testing

/// Forge Web's pieces without a server: escaping, sessions, forms, formatting.
@Suite struct WebPartsTests {
    @Test func interpolatedStringsAreEscapedAndHTMLIsNot() {
        let value = "<b>\"x\" & 'y'</b>"
        let html: HTML = "<p title=\"\(value)\">\(value)\(HTML("<br>"))</p>"
        #expect(
            html.text == "<p title=\"&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;\">&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;<br></p>"
        )
        let link: HTML = "<a href=\"/ui/queues/\(path: "a b/c?d")\">"
        #expect(link.text == "<a href=\"/ui/queues/a%20b%2Fc%3Fd\">")
    }

    @Test func aSessionIsRefusedWhenAnyPartIsChangedOrItsTokenIsGone() throws {
        let keys = WebSession.Keys(tokens: ["token-one-0123456789", "token-two-0123456789"], authEnabled: true)
        let now: Int64 = 1_800_000_000_000
        let session = try #require(WebSession.start(token: "token-one-0123456789", keys: keys, nowMs: now))
        #expect(WebSession.verify(session.value, keys: keys, nowMs: now + 1000) == session)
        #expect(WebSession.verify(session.value, keys: keys, nowMs: session.expiresMs) == nil)
        var parts = session.value.split(separator: ".").map(String.init)
        for index in 1..<parts.count {
            var changed = parts
            changed[index] = String(changed[index].reversed())
            #expect(WebSession.verify(changed.joined(separator: "."), keys: keys, nowMs: now) == nil, "part \(index)")
        }
        parts[1] = String(now + 99 * WebSession.lifetimeMs)
        #expect(WebSession.verify(parts.joined(separator: "."), keys: keys, nowMs: now) == nil)
        let rotated = WebSession.Keys(tokens: ["token-two-0123456789"], authEnabled: true)
        #expect(WebSession.verify(session.value, keys: rotated, nowMs: now) == nil)
        #expect(WebSession.start(token: "unknown-token-0123456", keys: keys, nowMs: now) == nil)
        #expect(session.accepts(csrf: session.csrf))
        let other = try #require(WebSession.start(token: "token-one-0123456789", keys: keys, nowMs: now))
        #expect(!session.accepts(csrf: other.csrf))
        #expect(!session.accepts(csrf: nil))
    }

    @Test func formsDecodePlusAndPercentAndKeepRepeatedFields() throws {
        let form = try WebForm("id=a&id=b&error=disk+full%21&empty=&name=%E2%9C%93")
        #expect(form.values("id") == ["a", "b"])
        #expect(form.value("error") == "disk full!")
        #expect(form.value("empty") == nil)
        #expect(form.value("name") == "✓")
        #expect(throws: ValidationError.self) { try WebForm("bad=%zz") }
    }

    @Test func signInOnlyLeadsBackIntoForgeWeb() {
        #expect(WebRoutes.safeNext("/ui/queues/q") == "/ui/queues/q")
        #expect(WebRoutes.safeNext("https://evil.example/") == "/ui/")
        #expect(WebRoutes.safeNext("//evil.example/ui/") == "/ui/")
        #expect(WebRoutes.safeNext("/ui//evil.example") == "/ui/")
        #expect(WebRoutes.safeNext(nil) == "/ui/")
    }

    @Test func prettyJSONKeepsEveryTokensText() {
        #expect(
            JSONPretty.format(#"{"a":[1,2.50,{}],"b":"x,\"y\": {z}","c":[]}"#) == """
                {
                  "a": [
                    1,
                    2.50,
                    {}
                  ],
                  "b": "x,\\"y\\": {z}",
                  "c": []
                }
                """
        )
        #expect(JSONPretty.format("{not json") == "{not json")
        #expect(JSONPretty.format("42") == "42")
    }

    @Test func commandsQuoteForAShell() {
        #expect(WebRoutes.shellQuoted("it's") == #"'it'\''s'"#)
        #expect(WebRoutes.scheduleName(fromUniqueKey: "cron:nightly:1800000000000") == "nightly")
        #expect(WebRoutes.scheduleName(fromUniqueKey: "cron:a:b:1800000000000") == "a:b")
        #expect(WebRoutes.scheduleName(fromUniqueKey: "order-17") == nil)
    }

    @Test func numbersHaveUnitsAndGroups() {
        #expect(WebFormat.count(1_234_567) == "1\u{2009}234\u{2009}567")
        #expect(WebFormat.count(12) == "12")
        #expect(WebFormat.rate(0) == "0/s")
        #expect(WebFormat.rate(12.34) == "12.3/s")
        #expect(WebFormat.rate(nil) == "–")
        #expect(WebFormat.span(milliseconds: 850) == "850 ms")
        #expect(WebFormat.span(milliseconds: 250_000) == "4 min 10 s")
        #expect(WebFormat.time(milliseconds: 1_800_000_000_120) == "2027-01-15 08:00:00.120 UTC")
    }
}
