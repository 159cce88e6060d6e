import FoundationEssentials

/// The value of an environment variable, or `fallback` when unset or empty.
public func environment(_ name: String, _ fallback: String) -> String {
    environment(name, nil) ?? fallback
}

/// The value of an environment variable, or `fallback` when unset or empty.
public func environment(_ name: String, _ fallback: String?) -> String? {
    if let value = ProcessInfo.processInfo.environment[name], !value.isEmpty { return value }
    return fallback
}
