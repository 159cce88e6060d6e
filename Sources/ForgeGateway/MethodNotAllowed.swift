import HTTPTypes
import Hummingbird

/// Answers a known path asked with a method it does not serve: 405 problem+json with `Allow`
/// listing the methods it does serve (RFC 9110 §15.5.6), instead of Hummingbird's 404, which
/// would tell a client the resource does not exist; and `OPTIONS` with 204 and that `Allow`.
///
/// Hummingbird resolves the path before the method and has no hook for "path found, method
/// not", so this registers an explicit answer for every other method on every path, once all
/// real routes are in place. The answers bypass `/v1` auth on purpose: they reveal only what
/// the published OpenAPI document already says.
enum MethodNotAllowed {
    /// Methods a client may plausibly send (QUERY: the safe method with a body, RFC draft
    /// httpbis-safe-method-w-body); `HEAD` only where the path has no `GET`.
    static let candidates: [HTTPRequest.Method] = [
        .get, .head, .post, .put, .delete, .patch, .options, .trace, HTTPRequest.Method("QUERY")!,
    ]

    /// Registers the 405 answers on `router`; call after every route is added.
    static func register<Context: RequestContext>(on router: Router<Context>) {
        var served: [String: Set<HTTPRequest.Method>] = [:]
        var order: [String] = []
        for route in router.routes {
            let path = route.path.description
            if served[path] == nil { order.append(path) }
            served[path, default: []].insert(route.method)
        }
        for path in order {
            let methods = served[path] ?? []
            let allow = allowHeader(methods)
            for method in candidates where !methods.contains(method) {
                if method == .head, methods.contains(.get) { continue }
                if method == .options {
                    // OPTIONS asks what the path serves: the answer is the Allow list itself.
                    router.on(RouterPath(path), method: .options) { _, _ -> Response in
                        Response(status: .noContent, headers: [.allow: allow])
                    }
                    continue
                }
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw Problem.methodNotAllowed(request.method, path: request.uri.path, allow: allow)
                }
            }
        }
    }

    /// `GET, HEAD, POST, OPTIONS`: the served methods in a stable order, HEAD wherever GET is
    /// served (the router answers it from the GET route), and OPTIONS, answered here.
    static func allowHeader(_ methods: Set<HTTPRequest.Method>) -> String {
        let served = methods.union(methods.contains(.get) ? [.head, .options] : [.options])
        return candidates.filter(served.contains).map(\.rawValue).joined(separator: ", ")
    }
}
