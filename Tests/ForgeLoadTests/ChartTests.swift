import ForgeLoad
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

struct ChartTests {
    /// Parses `svg` as XML; returns the parse error, if any, and the element names seen.
    func parse(_ svg: String) -> (error: (any Error)?, elements: [String]) {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [String] = []
            func parser(
                _ parser: XMLParser,
                didStartElement name: String,
                namespaceURI: String?,
                qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                elements.append(name)
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        return (ok ? nil : parser.parserError ?? LoadError(.output, "parse failed"), collector.elements)
    }

    @Test func chartIsWellFormedXMLWithEscapedText() {
        let chart = SVGChart(
            title: "a <b> & \"c\"",
            xLabel: "s",
            panels: [
                .init(
                    title: "T & U",
                    yLabel: "jobs/s",
                    series: [
                        .init(name: "x<y", color: "#123456", points: [(0, 1), (1, 2.5), (2, .nan), (3, 4)]),
                        .init(name: "empty", color: "#000", points: []),
                    ]
                )
            ]
        )
        let (error, elements) = parse(chart.render())
        #expect(error == nil)
        #expect(elements.first == "svg")
        #expect(elements.contains("polyline"))
    }

    @Test func loadAndScaleChartsAreWellFormedEvenWithoutData() {
        let report = LoadReport.assemble(
            settings: LoadRun(settings: LoadSettings()).reportSettings,
            startedAt: "",
            totals: .init(),
            lateThreshold: .milliseconds(1),
            samples: [],
            sendingDone: nil,
            measureStart: .now,
            generatorCPUSeconds: 0
        )
        #expect(parse(LoadChart.make(report).render()).error == nil)
        #expect(parse(ScaleChart.make(ScaleReport(runs: [(1, report, [])])).render()).error == nil)
    }

    @Test func axisRangesAreRound() {
        let range = SVGChart.niceRange(min: 0, max: 1937, fromZero: true)
        #expect(range.low == 0)
        #expect(range.high == 2000)
        #expect(range.step == 500)
    }
}
