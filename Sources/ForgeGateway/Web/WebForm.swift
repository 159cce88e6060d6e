import ForgeCore
import Hummingbird

/// An `application/x-www-form-urlencoded` body: what a page's forms send.
package struct WebForm: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    /// Forms are small (a schedule's payload is the largest field); the API's body limit bounds them.
    static func read(_ request: Request, limit: Int) async throws -> WebForm {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return try WebForm(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    package init(_ text: String) throws(ValidationError) {
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), let value = Self.decode(parts.count > 1 ? parts[1] : "") else {
                throw ValidationError(field: "form", reason: "is not valid form encoding")
            }
            pairs.append((name, value))
        }
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingPlus.percentDecoded
    }

    /// The field's first value, `nil` when absent or blank.
    package func value(_ name: String) -> String? {
        guard let value = pairs.first(where: { $0.name == name })?.value else { return nil }
        let trimmed = value.trimmingSpaces
        return trimmed.isEmpty ? nil : value
    }

    /// Every value of a field given several times (checkboxes).
    package func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }
}

extension Substring {
    fileprivate var replacingPlus: String {
        String(unicodeScalars.map { $0 == "+" ? " " : Character($0) })
    }
}
