import ArgumentParser
import ForgeLoad
import FoundationEssentials

/// `forge-load [run]`: one load run, a final table, and optionally JSON and an SVG chart.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send load to a gateway and report what it and the system did (the default)."
    )

    @OptionGroup var load: LoadOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let settings: LoadSettings
        do { settings = try load.settings() } catch let error as LoadError { throw ValidationError(error.message) }
        let console = Console()
        let report = try await LoadRun(settings: settings, progress: console.show).execute()
        print(ReportTable.render(report))
        try output.write(json: ReportFiles.json(report), svg: LoadChart.make(report).render())
    }
}

/// `--json FILE` and `--svg FILE`.
struct OutputOptions: ParsableArguments {
    @Option(help: "Write every figure and the per-second series as JSON to this file.")
    var json: String?

    @Option(help: "Write an SVG chart to this file.")
    var svg: String?

    func write(json data: @autoclosure () throws -> Data, svg chart: @autoclosure () -> String) throws {
        if let json { try ReportFiles.write(try data(), to: json, flag: "--json") }
        if let svg { try ReportFiles.write(chart(), to: svg, flag: "--svg") }
    }
}
