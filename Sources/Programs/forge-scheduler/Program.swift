// forge-scheduler: cron, promotion, reclaim and history. Its code is SchedulerCLI's, shared with forge-multicall.
import ArgumentParser
import SchedulerCLI

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await ForgeSchedulerCommand.main() }
}
