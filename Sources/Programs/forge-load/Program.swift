// forge-load: the load generator. Its code is LoadCLI's, shared with forge-multicall.
import ArgumentParser
import LoadCLI

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await ForgeLoadCommand.main() }
}
