extension StringProtocol {
    /// The text with every `%XX` escape decoded as UTF-8 bytes, or nil when an escape is cut short,
    /// is not hexadecimal, or the bytes are not UTF-8: the rule of Foundation's
    /// `removingPercentEncoding`, which is not in `FoundationEssentials` (the services load no ICU).
    package var percentDecoded: String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next()?.hexDigitValue, let low = iterator.next()?.hexDigitValue else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
