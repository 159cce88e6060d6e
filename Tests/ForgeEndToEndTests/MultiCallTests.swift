import Foundation
import Testing

/// The container image ships `forge-multicall` under each program's name: each name must behave
/// as that program's own binary does.
@Suite struct MultiCallTests {
    @Test func everyListedNameRunsItsProgram() throws {
        let multicall = ForgeStack.binDirectory.appendingPathComponent("forge-multicall")
        let listed = try run(multicall, ["--list"])
        #expect(listed.status == 0)
        let names = listed.output.split(separator: "\n").map(String.init)
        #expect(Set(names) == ["forge", "forge-gateway", "forge-scheduler", "forge-worker", "forge-bench", "forge-load"])

        let links = FileManager.default.temporaryDirectory.appendingPathComponent("forge-multicall-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: links, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: links) }
        for name in names {
            let link = links.appendingPathComponent(name)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: multicall)
            let viaLink = try run(link, ["--help"])
            let own = try run(ForgeStack.binDirectory.appendingPathComponent(name), ["--help"])
            #expect(viaLink.status == 0, "\(name): \(viaLink.output)")
            #expect(viaLink.output == own.output, "\(name) --help differs when run through forge-multicall")
        }
    }

    @Test func anUnknownNameIsAUsageError() throws {
        let unknown = try run(ForgeStack.binDirectory.appendingPathComponent("forge-multicall"), ["--help"])
        #expect(unknown.status == 64)
        #expect(unknown.output.contains("forge-gateway"))
    }

    /// Full Foundation loads FoundationInternationalization and ICU's 40 MB of data, most of
    /// the image and a third of a worker's memory once: no program may link it, directly or
    /// through a dependency (`import FoundationEssentials` instead; cron time zones come from
    /// the system's tz database).
    @Test func noProgramLoadsFoundationOrICU() throws {
        for name in ["forge-multicall", "forge", "forge-gateway", "forge-scheduler", "forge-worker", "forge-bench", "forge-load"] {
            let needed = try run(URL(fileURLWithPath: "/usr/bin/readelf"), ["-d", ForgeStack.binDirectory.appendingPathComponent(name).path])
            #expect(needed.status == 0, "readelf \(name): \(needed.output)")
            let libraries = needed.output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
            #expect(libraries.contains { $0.contains("libFoundationEssentials.so") }, "\(name) links no FoundationEssentials: is it static?")
            for forbidden in ["[libFoundation.so]", "libFoundationInternationalization", "lib_FoundationICU", "libFoundationNetworking"] {
                #expect(!libraries.contains { $0.contains(forbidden) }, "\(name) links \(forbidden)")
            }
        }
    }

    /// Runs `executable` to completion with no `FORGE_*` settings; its status and its output
    /// (standard output and error together), its process id written `PID` (a worker's default
    /// name holds it).
    private func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FORGE_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "-\(process.processIdentifier)", with: "-PID")
        return (process.terminationStatus, output)
    }
}
