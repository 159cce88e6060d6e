import FoundationEssentials

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A line chart of one or more stacked panels as a standalone SVG file: written by hand so the
/// tool needs no plotting dependency, and readable in any browser.
public struct SVGChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        public var color: String
        public var points: [(x: Double, y: Double)]
        public var dashed = false

        public init(name: String, color: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            self.name = name
            self.color = color
            self.points = points
            self.dashed = dashed
        }
    }

    public struct Panel: Sendable {
        public var title: String
        public var yLabel: String
        public var series: [Series]

        public init(title: String, yLabel: String, series: [Series]) {
            self.title = title
            self.yLabel = yLabel
            self.series = series
        }
    }

    public var title: String
    public var xLabel: String
    public var panels: [Panel]
    public var width = 900.0
    public var panelHeight = 280.0

    public init(title: String, xLabel: String, panels: [Panel]) {
        self.title = title
        self.xLabel = xLabel
        self.panels = panels
    }

    static let margin = (left: 70.0, right: 170.0, top: 40.0, bottom: 45.0)

    public func render() -> String {
        let height = 30 + Double(panels.count) * panelHeight
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="20" text-anchor="middle" font-size="15" font-weight="bold">\(Self.escape(title))</text>

            """
        let xs = panels.flatMap { $0.series.flatMap { $0.points.map(\.x) } }
        let xRange = Self.niceRange(min: xs.min() ?? 0, max: xs.max() ?? 1, fromZero: false)
        for (index, panel) in panels.enumerated() {
            svg += renderPanel(panel, top: 30 + Double(index) * panelHeight, xRange: xRange)
        }
        svg += "</svg>\n"
        return svg
    }

    private func renderPanel(_ panel: Panel, top: Double, xRange: AxisRange) -> String {
        let m = Self.margin
        let plot = (x: m.left, y: top + m.top, w: width - m.left - m.right, h: panelHeight - m.top - m.bottom)
        let ys = panel.series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let yRange = Self.niceRange(min: 0, max: ys.max() ?? 1, fromZero: true)
        func px(_ x: Double) -> Double { plot.x + (x - xRange.low) / (xRange.high - xRange.low) * plot.w }
        func py(_ y: Double) -> Double { plot.y + plot.h - (y - yRange.low) / (yRange.high - yRange.low) * plot.h }
        var out = "<g>\n<text x=\"\(f(plot.x))\" y=\"\(f(top + 25))\" font-size=\"13\" font-weight=\"bold\">\(Self.escape(panel.title))</text>\n"
        out += "<rect x=\"\(f(plot.x))\" y=\"\(f(plot.y))\" width=\"\(f(plot.w))\" height=\"\(f(plot.h))\" fill=\"none\" stroke=\"#999\"/>\n"
        for tick in yRange.ticks {
            out += "<line x1=\"\(f(plot.x))\" x2=\"\(f(plot.x + plot.w))\" y1=\"\(f(py(tick)))\" y2=\"\(f(py(tick)))\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(f(plot.x - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        for tick in xRange.ticks {
            out += "<text x=\"\(f(px(tick)))\" y=\"\(f(plot.y + plot.h + 16))\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        out += "<text x=\"\(f(plot.x + plot.w / 2))\" y=\"\(f(plot.y + plot.h + 34))\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
        out +=
            "<text transform=\"translate(\(f(plot.x - 52)),\(f(plot.y + plot.h / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(panel.yLabel))</text>\n"
        for (index, series) in panel.series.enumerated() {
            let points = series.points.filter { $0.x.isFinite && $0.y.isFinite }
            if !points.isEmpty {
                let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                let dashes = series.dashed ? " stroke-dasharray=\"6 4\"" : ""
                out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dashes)/>\n"
                if points.count <= 12 {
                    for point in points {
                        out += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(series.color)\"/>\n"
                    }
                }
            }
            let ly = plot.y + 10 + Double(index) * 18
            let dash = series.dashed ? " stroke-dasharray=\"6 4\"" : ""
            out +=
                "<line x1=\"\(f(plot.x + plot.w + 12))\" x2=\"\(f(plot.x + plot.w + 32))\" y1=\"\(f(ly))\" y2=\"\(f(ly))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(dash)/>\n"
            out += "<text x=\"\(f(plot.x + plot.w + 37))\" y=\"\(f(ly + 4))\">\(Self.escape(series.name))</text>\n"
        }
        return out + "</g>\n"
    }

    package struct AxisRange {
        package var low: Double
        package var high: Double
        package var step: Double
        package var ticks: [Double] { stride(from: low, through: high + step / 2, by: step).map { $0 } }
    }

    /// A range from a round number to a round number with 4–8 round ticks.
    package static func niceRange(min low: Double, max high: Double, fromZero: Bool) -> AxisRange {
        let low = fromZero ? 0 : low
        let span = Swift.max(high - low, 1e-9)
        let raw = span / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let start = (low / step).rounded(.down) * step
        let end = Swift.max((high / step).rounded(.up) * step, start + step)
        return AxisRange(low: start, high: end, step: step)
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return Format.count(value) }
        return Format.fixed(value, abs(value) < 1 ? 2 : 1)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    private func f(_ value: Double) -> String { Format.fixed(value, 1) }
}
