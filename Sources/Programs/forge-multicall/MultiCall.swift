// Every Forge program in one binary, chosen by the name it is started under (a symlink), as
// busybox does. The container image ships this instead of six binaries: each statically linked
// Swift program carries its own ~60 MB copy of Foundation and ICU (six made a 523 MB image).
import ArgumentParser
import BenchCLI
import ForgeCLI
import ForgeWorkerRuntime
import GatewayCLI
import LoadCLI
import SchedulerCLI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main enum MultiCall {
    static let programs = ["forge", "forge-gateway", "forge-scheduler", "forge-worker", "forge-bench", "forge-load"]

    static func main() async {
        let name = (CommandLine.arguments.first ?? "").split(separator: "/").last.map(String.init) ?? ""

        switch name {
        case "forge": await Forge.main()
        case "forge-gateway": await ForgeGatewayCommand.main()
        case "forge-scheduler": await ForgeSchedulerCommand.main()
        case "forge-worker": await ForgeWorkerCommand.main()
        case "forge-bench": await BenchCommand.main()
        case "forge-load": await ForgeLoadCommand.main()
        case "forge-multicall" where CommandLine.arguments.dropFirst() == ["--list"]:
            // The image's build links each name to this binary from this list.
            print(programs.joined(separator: "\n"))
        default:
            let message = Array(
                """
                forge-multicall runs the Forge program it is started as; link it under one of these names:
                  \(programs.joined(separator: " "))

                """.utf8
            )
            _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            exit(64)
        }
    }
}
