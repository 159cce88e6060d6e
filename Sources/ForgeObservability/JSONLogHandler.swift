import ForgeCore
import FoundationEssentials
import Logging

/// Writes one JSON object per line to standard error: `ts`, `level`, `service`, `msg`, then the
/// metadata. Log shippers (Loki, Vector, CloudWatch) parse it without a custom grok pattern.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let service: String
    private let label: String

    public init(label: String, service: String, level: Logger.Level) {
        self.label = label
        self.service = service
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Logger.Metadata.Value] = [
            "ts": .string(Self.timestamp()),
            "level": .string(event.level.rawValue),
            "service": .string(service),
            "logger": .string(label),
            "msg": .string(event.message.description),
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged where fields[key] == nil { fields[key] = value }
        if let error = event.error { fields["error"] = .string(String(describing: error)) }
        var line = JSONWriter(capacity: 512)
        Self.encode(.dictionary(fields), into: &line)
        FileDescriptorIO.writeAll(line.bytes + [UInt8(ascii: "\n")], to: FileDescriptorIO.standardError)
    }

    /// Keys sorted, so a line reads the same every time.
    private static func encode(_ value: Logger.Metadata.Value, into json: inout JSONWriter) {
        switch value {
        case .string(let string): json.string(string)
        case .stringConvertible(let convertible): json.string(convertible.description)
        case .array(let values):
            json.beginArray()
            for value in values { encode(value, into: &json) }
            json.endArray()
        case .dictionary(let dictionary):
            json.beginObject()
            for key in dictionary.keys.sorted() {
                json.key(key)
                encode(dictionary[key]!, into: &json)
            }
            json.endObject()
        }
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

public enum LogSetup {
    /// Sends every logger of the process to JSON lines at `level`.
    public static func bootstrap(service: String, level: Logger.Level) {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: service, level: level) }
    }
}
