extension PostgresConnection {
    /// Runs `body` between BEGIN and COMMIT, rolling back if it throws.
    ///
    /// A failed ROLLBACK is not reported over the body's error: the body's error says what went
    /// wrong, and a connection that cannot roll back is broken and leaves the pool anyway.
    public func transaction<T>(_ body: (PostgresConnection) throws(PostgresError) -> T) throws(PostgresError) -> T {
        try execute("BEGIN")
        let value: T
        do throws(PostgresError) {
            value = try body(self)
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
        try execute("COMMIT")
        return value
    }
}
