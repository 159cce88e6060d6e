import Synchronization

/// Whether the database holds the schema this binary needs: every migration in
/// ``Migration/all`` recorded as applied (a newer schema, from a newer release, is fine too).
///
/// Readiness probes use it so a gateway or scheduler started before `forge migrate` finishes
/// reports "not ready" and waits instead of failing requests or crash-looping. Once the schema
/// is current it stays so (migrations only move forward), so later probes cost no query.
public final class SchemaCheck: Sendable {
    private let migrator: Migrator
    private let current = Atomic<Bool>(false)

    public init(client: PostgresClient, migrations: [Migration] = Migration.all) {
        migrator = Migrator(client: client, migrations: migrations)
    }

    /// `true` once every known migration is applied; `false` while any is missing or Postgres is
    /// unreachable.
    public func isCurrent() async -> Bool {
        if current.load(ordering: .relaxed) { return true }
        guard let applied = try? await migrator.appliedVersions() else { return false }
        let isCurrent = Set(migrator.migrations.map(\.version)).isSubset(of: applied)
        if isCurrent { current.store(true, ordering: .relaxed) }
        return isCurrent
    }
}
