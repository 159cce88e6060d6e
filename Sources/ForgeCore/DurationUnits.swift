extension Duration {
    /// Whole milliseconds, rounded down: for settings and wire fields counted in milliseconds.
    package var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }

    /// Seconds as a floating-point number: for metrics, rates and figures shown to people.
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
