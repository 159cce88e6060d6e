/// `FORGE_UI`: whether the gateway serves Forge Web, and whether people may act through it.
public enum WebMode: String, Sendable, Hashable, CaseIterable {
    /// No `/ui` routes at all.
    case off
    /// Every page, no action: forms are not shown and every action is refused with a 403.
    case readonly
    case on
}
