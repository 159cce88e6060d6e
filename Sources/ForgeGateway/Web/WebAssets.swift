import HTTPTypes
import Hummingbird
import NIOCore

/// The stylesheet and the one script, compiled into the binary like `openapi.yaml`: no bundle to
/// find at run time, nothing fetched from anywhere else (the page works on a network without
/// internet, and `Content-Security-Policy: default-src 'self'` holds).
enum WebAssets {
    static var css: Response { response(PackageResources.forge_css, type: "text/css; charset=utf-8") }
    static var js: Response { response(PackageResources.forge_js, type: "text/javascript; charset=utf-8") }
    static var icon: Response { response(PackageResources.favicon_svg, type: "image/svg+xml") }

    private static func response(_ bytes: [UInt8], type: String) -> Response {
        var headers = WebPage.securityHeaders(contentType: type)
        // Pages are never cached; the assets change only with the binary.
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
