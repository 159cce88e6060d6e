/// One sample of the Prometheus text exposition format: `name{label="value",…} 12.5`.
public struct MetricSample: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    public init(name: String, labels: [String: String], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }
}

/// Reads the Prometheus text format 0.0.4 (what every Forge service serves on `/metrics`).
/// Comments, blank lines and lines it cannot read are skipped: a scrape should not fail over
/// one odd line, and the figures forge-load needs come from known families.
public enum PrometheusText {
    public static func parse(_ text: String) -> [MetricSample] {
        var samples: [MetricSample] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard line.first != "#", let sample = parseLine(Substring(line)) else { continue }
            samples.append(sample)
        }
        return samples
    }

    static func parseLine(_ line: Substring) -> MetricSample? {
        let bytes = Array(line.utf8)
        var index = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "{"), bytes[index] != UInt8(ascii: " ") { index += 1 }
        guard index > 0 else { return nil }
        let name = String(decoding: bytes[0..<index], as: UTF8.self)
        var labels: [String: String] = [:]
        if index < bytes.count, bytes[index] == UInt8(ascii: "{") {
            index += 1
            while index < bytes.count, bytes[index] != UInt8(ascii: "}") {
                let keyStart = index
                while index < bytes.count, bytes[index] != UInt8(ascii: "=") { index += 1 }
                let key = String(decoding: bytes[keyStart..<index], as: UTF8.self)
                    .trimmingPrefix(",").trimmingPrefix(" ")
                index += 1
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                index += 1
                var value: [UInt8] = []
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        index += 1
                        value.append(bytes[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : bytes[index])
                    } else {
                        value.append(bytes[index])
                    }
                    index += 1
                }
                guard index < bytes.count else { return nil }
                index += 1
                labels[String(key)] = String(decoding: value, as: UTF8.self)
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") { index += 1 }
            }
            guard index < bytes.count else { return nil }
            index += 1
        }
        let rest = String(decoding: bytes[index...], as: UTF8.self).split(separator: " ")
        guard let first = rest.first, let value = parseValue(first) else { return nil }
        return MetricSample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}
