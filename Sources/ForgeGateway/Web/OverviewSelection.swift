import ForgeCore
import ForgeRedis
import Hummingbird

/// Which queues the overview shows: a name filter, an order and a page of ``pageSize``, so a page
/// and its live updates stay small with a thousand queues. The page's query string, `q`, `sort`
/// and `page`, is also what its `/ui/events` stream is opened with.
struct OverviewSelection: Sendable, Hashable {
    enum Order: String, Sendable, CaseIterable {
        case name
        /// Most work waiting or running first: pending + active + retrying + scheduled.
        case busiest
        case dead
    }

    static let pageSize = 200

    var filter: String?
    var order: Order = .name
    var page = 0

    init(order: Order) { self.order = order }

    init(_ request: Request) throws(ValidationError) {
        var query = try QueryReader(request, ignoringEmpty: true)
        filter = try query.string("q")
        let orderText = try query.string("sort") ?? Order.name.rawValue
        guard let order = Order(rawValue: orderText) else {
            throw ValidationError(field: "sort", reason: "must be one of \(Order.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.order = order
        page = try query.int("page", in: 0...10_000, default: 0)
        try query.finish()
    }

    /// The rows of this page, and how many matched the filter.
    func apply(_ rows: [OverviewSampler.Row]) -> (rows: ArraySlice<OverviewSampler.Row>, matched: Int) {
        var selected = rows
        if let filter {
            let needle = filter.lowercased()
            selected = selected.filter { $0.status.name.rawValue.lowercased().contains(needle) }
        }
        switch order {
        case .name: break
        case .busiest: selected.sort { (Self.load($0), $1.status.name.rawValue) > (Self.load($1), $0.status.name.rawValue) }
        case .dead: selected.sort { ($0.status.counts.dead, $1.status.name.rawValue) > ($1.status.counts.dead, $0.status.name.rawValue) }
        }
        let start = min(selected.count, page * Self.pageSize)
        return (selected[start..<min(selected.count, start + Self.pageSize)], selected.count)
    }

    private static func load(_ row: OverviewSampler.Row) -> Int {
        let c = row.status.counts
        return c.pending + c.active + c.retrying + c.scheduled
    }

    /// `?q=…&sort=…&page=…` with only what differs from the defaults.
    func query(page: Int? = nil) -> String {
        let page = page ?? self.page
        return URLEncoding.query([("q", filter), ("sort", order == .name ? nil : order.rawValue), ("page", page == 0 ? nil : String(page))])
    }
}
