// swift-tools-version: 6.1
import PackageDescription

// Layers (imports point downwards only):
//   dqbft → {DQBFTSim, DQBFTClient → DQBFTNet} → DQBFTCrypto → {DQBFTCore, BLS12381}
//   dqbft → BLS12381Benchmark → BLS12381
let package = Package(
    name: "swift-dqbft",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "DQBFTCore", targets: ["DQBFTCore"]),
        .library(name: "DQBFTCrypto", targets: ["DQBFTCrypto"]),
        .library(name: "DQBFTSim", targets: ["DQBFTSim"]),
        .library(name: "BLS12381", targets: ["BLS12381"]),
        .library(name: "DQBFTNet", targets: ["DQBFTNet"]),
        .library(name: "DQBFTClient", targets: ["DQBFTClient"]),
        .executable(name: "dqbft", targets: ["dqbft"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.1.0"),
    ],
    targets: [
        // The pure protocol core: no I/O, no clock, no unseeded randomness.
        .target(
            name: "DQBFTCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Collections", package: "swift-collections"),
            ]
        ),
        // BLS12-381 pairing-friendly curve, signatures and threshold signatures in pure Swift.
        .target(
            name: "BLS12381",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Timing of the BLS12-381 primitives (`dqbft crypto-bench`, Scripts/bls/compare-blst.sh),
        // kept out of the library target.
        .target(name: "BLS12381Benchmark", dependencies: ["BLS12381"], path: "Benchmarks/BLS12381Benchmark"),
        // Real implementations of the core's crypto interfaces.
        .target(
            name: "DQBFTCrypto",
            dependencies: [
                "DQBFTCore", "BLS12381",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Deterministic discrete-event simulator.
        .target(
            name: "DQBFTSim",
            dependencies: [
                "DQBFTCore",
                .product(name: "Collections", package: "swift-collections"),
            ],
            resources: [.copy("Resources")]
        ),
        // SwiftNIO runtime: transport, framing, verification off the loop, timers, WAL, metrics.
        .target(
            name: "DQBFTNet",
            dependencies: [
                "DQBFTCore", "DQBFTCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Async client library for applications.
        .target(
            name: "DQBFTClient",
            dependencies: [
                "DQBFTCore", "DQBFTCrypto", "DQBFTNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "dqbft",
            dependencies: [
                "DQBFTCore", "DQBFTCrypto", "DQBFTSim", "DQBFTNet", "DQBFTClient", "BLS12381Benchmark",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // A second state machine hosted by the runtime: how to bring your own.
        .target(name: "CounterExample", dependencies: ["DQBFTCore"], path: "Examples/CounterExample"),
        .executableTarget(
            name: "counter-replica",
            dependencies: [
                "CounterExample", "DQBFTCore", "DQBFTCrypto", "DQBFTNet",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/counter-replica"
        ),
        .testTarget(name: "DQBFTCoreTests", dependencies: ["DQBFTCore"]),
        .testTarget(name: "BLS12381Tests", dependencies: ["BLS12381"], resources: [.copy("Vectors")]),
        .testTarget(name: "DQBFTSimTests", dependencies: ["DQBFTSim", "DQBFTCore", "DQBFTCrypto"]),
        .testTarget(name: "DQBFTNetTests", dependencies: ["DQBFTNet", "DQBFTClient", "DQBFTCore", "DQBFTCrypto", "DQBFTSim", "CounterExample"]),
        .testTarget(name: "DQBFTCryptoTests", dependencies: ["DQBFTCrypto", "DQBFTCore"]),
    ]
)
