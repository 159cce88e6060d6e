extension Migration {
    /// Keeps each payload and result as the exact text the client sent: `json` instead of `jsonb`.
    ///
    /// `jsonb` parses and re-serialises, so history answered `{"b": 1, "a": 2}` as
    /// `{"a": 2, "b": 1}`, `1e2` as `100` and `-0.0` as `0.0`, while the same job read from Redis
    /// was byte for byte what was sent; the API promises the latter (`PayloadFidelityTests`).
    /// `json` validates and stores the text as it is. Nothing queries inside payloads or results
    /// (no index or operator uses them), so `jsonb`'s faster operators cost nothing to give up.
    /// Rows archived before this migration keep the text `jsonb` normalised them to.
    static let exactJSON = Migration(
        version: 5,
        name: "exact_json",
        sql: """
            ALTER TABLE jobs ALTER COLUMN payload TYPE json USING payload::json,
                ALTER COLUMN result TYPE json USING result::json;
            """
    )
}
