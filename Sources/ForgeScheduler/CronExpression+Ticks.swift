import ForgeCore

extension CronExpression {
    /// The latest fire time in `(after, atOrBefore]`, or nil when no tick falls in it.
    ///
    /// After downtime only the latest missed tick matters (a schedule catches up once, not once
    /// per missed tick), so this looks back from `atOrBefore` in growing windows instead of
    /// walking every tick since `after`: an every-second schedule down for a day costs a few
    /// dozen `nextFire` calls, not 86 400.
    func latestTick(after: Int64, atOrBefore now: Int64, timeZone: String) -> Int64? {
        guard now > after else { return nil }
        var window: Int64 = 60_000
        while true {
            let start = max(after, now - window)
            var latest: Int64?
            var cursor = start
            while let next = nextFire(afterMs: cursor, timeZone: timeZone), next <= now {
                latest = next
                cursor = next
            }
            if latest != nil || start == after { return latest }
            window *= 4
        }
    }
}
