extension HandlerRegistry {
    /// `noop`, `sleep`, `fail` and `http`, the handlers `forge-worker` ships.
    public static var builtins: HandlerRegistry {
        var registry = HandlerRegistry()
        registry.registerBuiltins()
        return registry
    }

    /// Adds the built-in handlers to this registry (a user's own worker may want them too).
    public mutating func registerBuiltins() {
        register("noop", NoopHandler())
        register("sleep", SleepHandler())
        register("fail", FailHandler())
        register("http", HTTPHandler())
    }
}
