// forge-gateway: the HTTP API. Its code is GatewayCLI's, shared with forge-multicall.
import ArgumentParser
import GatewayCLI

// In a function, not top-level code: there the synchronous `main()` would be chosen.
@main enum Program {
    static func main() async { await ForgeGatewayCommand.main() }
}
