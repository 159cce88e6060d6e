import ArgumentParser
import FoundationEssentials

/// A number a service takes from its flag, else its `FORGE_*` variable, else a default, and
/// checks against the values it allows: one place for what each command used to spell out per
/// option (parse the variable, fall back, check the range, name flag and variable in the error).
///
/// The flag itself is an optional `@Option` (ArgumentParser parses and reports it), so `--help`
/// prints ``help`` (variable and default) and never a value read from the environment.
public struct NumberSetting<Value: LosslessStringConvertible & Comparable & Sendable>: Sendable {
    /// The flag, e.g. `--concurrency`.
    public let flag: String
    /// The variable, e.g. `FORGE_CONCURRENCY`.
    public let variable: String
    public let defaultValue: Value
    public let range: ClosedRange<Value>
    /// What a value is, for the error about a variable that does not parse: `a whole number`.
    public let kind: String

    public init(_ flag: String, _ variable: String, default defaultValue: Value, range: ClosedRange<Value>, kind: String = "a number") {
        precondition(range.contains(defaultValue), "\(variable)'s default \(defaultValue) is outside \(range)")
        self.flag = flag
        self.variable = variable
        self.defaultValue = defaultValue
        self.range = range
        self.kind = kind
    }

    /// How errors name the setting, e.g. `--concurrency / FORGE_CONCURRENCY`.
    public var label: String { "\(flag) / \(variable)" }

    /// The end of the flag's help text, e.g. `(env FORGE_CONCURRENCY; default 100)`.
    public var help: String { "(env \(variable); default \(defaultValue))" }

    /// The flag's value if given, else the variable's if set and not empty, else the default.
    ///
    /// Throws a `ValidationError` naming the variable when it does not parse, and naming flag
    /// and variable when the value is outside ``range``.
    public func value(flag given: Value?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Value {
        let value: Value
        if let given {
            value = given
        } else if let text = environment[variable], !text.isEmpty {
            guard let parsed = Value(text) else { throw ValidationError("\(variable): '\(text)' is not \(kind)") }
            value = parsed
        } else {
            value = defaultValue
        }
        guard range.contains(value) else {
            throw ValidationError("\(label): must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }
}
