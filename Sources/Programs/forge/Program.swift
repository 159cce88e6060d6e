// forge: the admin CLI. Its code is ForgeCLI's, shared with forge-multicall.
import ArgumentParser
import ForgeCLI

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await Forge.main() }
}
