extension Migration {
    /// An index for searches by job type, the one filter of `GET /v1/jobs` no index served.
    ///
    /// Measured with `loadtest/history-search.py` on a million jobs (README, "History search"):
    /// a search for a rare type walked `jobs_created_idx` through most of the history (230 ms; a
    /// rare type among completed jobs 720 ms; a type no job has, a sequential scan), growing with
    /// the history until it hit the search timeout. With this index each is under a millisecond.
    /// It covers every state, since a type search usually means "what happened to my jobs of
    /// this type": a partial index without completed jobs (the bulk) would not serve it. The
    /// price is one more index write per archived row: Postgres CPU per job in
    /// `forge-bench --jobs 200000 --batch 100 --archive` went from 16 to 18 µs (three runs each),
    /// about 2 % of the whole CPU cost of a job; throughput moved within its run-to-run noise.
    /// `type` compares bytewise (migration 2), which keeps the write cheap.
    static let typeIndex = Migration(
        version: 4,
        name: "type_index",
        sql: """
            CREATE INDEX jobs_type_created_idx ON jobs (type, created_at DESC, id DESC);
            """
    )
}
