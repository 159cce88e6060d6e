extension HandlerRegistry {
    /// `noop`, `sleep`, `fail` and `http`, the handlers `forge-worker` ships, with `http` refusing
    /// addresses inside the deployment (see ``HTTPHandler``).
    public static var builtins: HandlerRegistry { builtins(http: HTTPHandler.Configuration()) }

    /// The built-in handlers with `http` configured, e.g. with an allowlist.
    public static func builtins(http: HTTPHandler.Configuration) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.registerBuiltins(http: http)
        return registry
    }

    /// Adds the built-in handlers to this registry (a user's own worker may want them too).
    public mutating func registerBuiltins(http: HTTPHandler.Configuration = HTTPHandler.Configuration()) {
        register("noop", NoopHandler())
        register("sleep", SleepHandler())
        register("fail", FailHandler())
        register("http", HTTPHandler(configuration: http))
    }
}
