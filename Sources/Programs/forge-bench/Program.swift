// forge-bench: the engine benchmark. Its code is BenchCLI's, shared with forge-multicall.
import ArgumentParser
import BenchCLI

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await BenchCommand.main() }
}
