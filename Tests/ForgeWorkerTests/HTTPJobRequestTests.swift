import ForgeCore
import ForgeWorker
import Foundation
import Testing

/// How an `http` job's payload becomes a request, and a redirect the next one.
@Suite struct HTTPJobRequestTests {
    @Test func redirectsFollowBrowserRules() throws {
        let request = try HTTPJobRequest(
            payload: #"{"url":"http://a.example/x?q=1","headers":{"Authorization":"Bearer t","Cookie":"c"},"body":{"k":1}}"#
        )
        let seeOther = try #require(try request.redirected(status: 303, location: "/y"))
        #expect(seeOther.method == "GET" && seeOther.body == nil && seeOther["content-type"] == nil)
        #expect(seeOther.url.absoluteString == "http://a.example/y")
        #expect(seeOther["Authorization"] == "Bearer t")
        let elsewhere = try #require(try request.redirected(status: 307, location: "https://b.example/z"))
        #expect(elsewhere.method == "POST" && elsewhere.body == Array(#"{"k":1}"#.utf8))
        #expect(elsewhere["Authorization"] == nil && elsewhere["Cookie"] == nil)
        #expect(try request.redirected(status: 200, location: "/y") == nil)
        #expect(try request.redirected(status: 304, location: "/y") == nil)
        #expect(try request.redirected(status: 302, location: nil) == nil)
        #expect(throws: JobFailure.self) { try request.redirected(status: 302, location: "gopher://a.example/") }
    }

    @Test func urlCredentialsBecomeBasicAuthAndLeaveTheURL() throws {
        let request = try HTTPJobRequest(payload: #"{"url":"https://user:secret@a.example/x?token=abc#f"}"#)
        #expect(request["Authorization"] == "Basic dXNlcjpzZWNyZXQ=")
        #expect(!request.url.absoluteString.contains("secret"))
        #expect(request.described == "https://a.example/x")
    }

    /// A field or header named twice keeps its last value, as the dictionary the payload used to
    /// be read into did; a JSON body goes out as the payload holds it.
    @Test func aNameGivenTwiceKeepsItsLastValue() throws {
        let request = try HTTPJobRequest(
            payload: #"{"url":"http://a.example/old","url":"http://a.example/new","headers":{"X-Key":"a","X-Key":"b"},"body":{"n": 1.50}}"#
        )
        #expect(request.url.absoluteString == "http://a.example/new")
        #expect(request.headers.filter { $0.name == "X-Key" }.map(\.value) == ["b"])
        #expect(request.body == Array(#"{"n": 1.50}"#.utf8))
    }

    @Test func payloadsThatCannotDescribeARequestAreDeadAtOnce() {
        let payloads = [
            #"[]"#, #"{"url":"ftp://a.example/"}"#, #"{"url":"http:///x"}"#, #"{"url":"http://a.example","method":"GE T"}"#,
            #"{"url":"http://a.example","headers":{"X":"a\r\nInjected: 1"}}"#, #"{"url":"http://a.example","headers":{"Bad Name":"v"}}"#,
            #"{"url":"http://a.example","headers":{"X":1}}"#, #"{"url":"http://a.example","timeout_ms":0}"#,
        ]
        for payload in payloads {
            do {
                _ = try HTTPJobRequest(payload: payload)
                Issue.record("accepted \(payload)")
            } catch {
                #expect(!error.retryable && error.message.hasPrefix("http payload:"), "\(error)")
            }
        }
    }
}
