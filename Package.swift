// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// A program: its `@main` in Sources/Programs/NAME, its code in the CLI library it runs.
func program(_ name: String, _ library: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.target(name: library), .product(name: "ArgumentParser", package: "swift-argument-parser")],
        path: "Sources/Programs/\(name)",
        swiftSettings: swiftSettings
    )
}

let package = Package(
    name: "forge",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ForgeCore", targets: ["ForgeCore"]),
        .library(name: "ForgeRedis", targets: ["ForgeRedis"]),
        .library(name: "ForgePostgres", targets: ["ForgePostgres"]),
        .library(name: "ForgeScheduler", targets: ["ForgeScheduler"]),
        .library(name: "ForgeWorker", targets: ["ForgeWorker"]),
        .library(name: "ForgeGateway", targets: ["ForgeGateway"]),
        .library(name: "ForgeService", targets: ["ForgeService"]),
        .library(name: "ForgeWorkerRuntime", targets: ["ForgeWorkerRuntime"]),
        .executable(name: "forge-gateway", targets: ["forge-gateway"]),
        .executable(name: "forge-scheduler", targets: ["forge-scheduler"]),
        .executable(name: "forge-worker", targets: ["forge-worker"]),
        .executable(name: "forge", targets: ["forge"]),
        .executable(name: "forge-bench", targets: ["forge-bench"]),
        .library(name: "ForgeLoad", targets: ["ForgeLoad"]),
        .executable(name: "forge-load", targets: ["forge-load"]),
        .executable(name: "forge-multicall", targets: ["forge-multicall"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Tests only: reads the OpenAPI document to compare it with the router.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]
        ),
        .systemLibrary(name: "CLinuxIO"),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .target(name: "ForgeCore", swiftSettings: swiftSettings),
        .target(
            name: "ForgeIO",
            dependencies: [.product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeRedis",
            dependencies: [
                "CHiredis", "ForgeCore", "ForgeIO",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgePostgres",
            dependencies: [
                "CLibPQ", "ForgeCore", "ForgeIO",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeObservability",
            dependencies: [
                "ForgeCore",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // /livez, /readyz and /metrics over Hummingbird, for the gateway's router and the probe
        // server of the services without an API.
        .target(
            name: "ForgeProbes",
            dependencies: [
                "ForgeCore", "ForgeObservability",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Configuration (flags, FORGE_* variables, secrets) and the bootstrap every process shares:
        // clients as services, readiness checks, probes, the ServiceGroup.
        .target(
            name: "ForgeService",
            dependencies: [
                "ForgeObservability", "ForgeProbes", "ForgeRedis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The bootstrap's Postgres side: only the processes that keep history link libpq.
        .target(
            name: "ForgeServicePostgres",
            dependencies: ["ForgeService", "ForgePostgres"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeScheduler",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeObservability",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeWorker",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgeObservability",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeGateway",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeObservability", "ForgeProbes",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Compiled into the binary: the image and tests need no bundle lookup at run time.
            resources: [
                .embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/ui/forge.css"), .embedInCode("Resources/ui/forge.js"),
                .embedInCode("Resources/ui/favicon.svg"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatewayCLI",
            dependencies: [
                "ForgeCore", "ForgeGateway", "ForgeRedis", "ForgePostgres", "ForgeService", "ForgeServicePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/forge-gateway",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SchedulerCLI",
            dependencies: [
                "ForgeScheduler", "ForgeRedis", "ForgePostgres", "ForgeService", "ForgeServicePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/forge-scheduler",
            swiftSettings: swiftSettings
        ),
        // forge-worker's command, and the one call that runs it with a user's own handlers.
        .target(
            name: "ForgeWorkerRuntime",
            dependencies: [
                "ForgeCore", "ForgeWorker", "ForgeRedis", "ForgeService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeCLI",
            dependencies: [
                "ForgeCore", "ForgePostgres", "ForgeService", "ForgeRedis", "ForgeScheduler", "ForgeObservability",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/forge",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "BenchCLI",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeScheduler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/forge-bench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeTestSupport",
            dependencies: ["ForgeCore", "ForgeRedis", "ForgePostgres"],
            path: "Tests/ForgeTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ForgeLoad",
            dependencies: [
                "CLinuxIO", "ForgeCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "LoadCLI",
            dependencies: [
                "ForgeCore", "ForgeLoad",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/forge-load",
            swiftSettings: swiftSettings
        ),
        // The programs: each a small @main over its CLI library, so that forge-multicall can hold
        // them all (the container image ships that one binary under every program's name).
        program("forge-gateway", "GatewayCLI"),
        program("forge-scheduler", "SchedulerCLI"),
        program("forge-worker", "ForgeWorkerRuntime"),
        program("forge", "ForgeCLI"),
        program("forge-bench", "BenchCLI"),
        program("forge-load", "LoadCLI"),
        .executableTarget(
            name: "forge-multicall",
            dependencies: [
                "GatewayCLI", "SchedulerCLI", "ForgeWorkerRuntime", "ForgeCLI", "BenchCLI", "LoadCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Programs/forge-multicall",
            swiftSettings: swiftSettings,
            // The image puts the Swift runtime libraries beside the binary (docker/image-files).
            linkerSettings: [.unsafeFlags(["-Xlinker", "-rpath=$ORIGIN/../lib/swift"])]
        ),
        .testTarget(name: "ForgeCoreTests", dependencies: ["ForgeCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ForgeServiceTests",
            dependencies: [
                "ForgeService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeWorkerTests",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgeWorker", "ForgeObservability", "ForgeTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeSchedulerTests",
            dependencies: ["ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeScheduler", "ForgeObservability", "ForgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeGatewayTests",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeGateway", "ForgeObservability", "ForgeTestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeEndToEndTests",
            dependencies: ["ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeLoad", "ForgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeLoadTests",
            dependencies: ["ForgeLoad", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgeRedisTests",
            dependencies: ["ForgeCore", "ForgeRedis", "ForgeTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ForgePostgresTests",
            dependencies: ["ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeScheduler", "ForgeTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)

// Benchmarks of the hot paths' own code, without I/O (ordo-one/benchmark: mallocs, retains and
// time per operation; instructions where the CPU exposes counters). Only in the package graph when
// asked for, so that CI's one release build does not compile the benchmark package:
// `FORGE_BENCHMARKS=1 swift package benchmark --no-progress` (see Benchmarks/README.md).
if Context.environment["FORGE_BENCHMARKS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "ForgeBenchmarks",
            dependencies: [
                "ForgeCore", "ForgeRedis", "ForgePostgres", "ForgeGateway", "ForgeWorker", "ForgeObservability",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ForgeBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
