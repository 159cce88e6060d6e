/// What forge-load reads from an enqueue answer's body.
package enum EnqueueAnswer {
    /// Batch items the gateway turned down: each is `{"error": problem}` in the results. A byte
    /// search rather than a JSON parse keeps the generator's CPU for sending.
    package static func refusedItems(in bytes: [UInt8]) -> Int {
        let needle = Array("\"error\":".utf8)
        guard bytes.count >= needle.count else { return 0 }
        var count = 0
        var index = 0
        let last = bytes.count - needle.count
        while index <= last {
            if bytes[index] == needle[0], bytes[index..<index + needle.count].elementsEqual(needle) {
                count += 1
                index += needle.count
            } else {
                index += 1
            }
        }
        return count
    }
}
