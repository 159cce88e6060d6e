// swift-tools-version:6.1
// A worker of your own, built against Forge as any outside package would: it depends on the
// ForgeWorkerRuntime product only (here by path; elsewhere by Forge's Git URL and a version).
import PackageDescription

let package = Package(
    name: "custom-worker",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "forge", path: "../..")],
    targets: [
        .executableTarget(
            name: "CustomWorker",
            dependencies: [.product(name: "ForgeWorkerRuntime", package: "forge")]
        )
    ]
)
