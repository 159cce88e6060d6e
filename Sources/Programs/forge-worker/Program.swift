// forge-worker: runs jobs. Its code is ForgeWorkerRuntime's, shared with forge-multicall.
import ArgumentParser
import ForgeWorkerRuntime

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await ForgeWorkerCommand.main() }
}
