// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "journeyq",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "journeyq", targets: ["journeyq"]),
        .library(name: "JourneyQueue", targets: ["JourneyQueue"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "JourneyQueue",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .target(
            name: "JourneyQueueSQLite",
            dependencies: [
                "JourneyQueue",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "journeyq",
            dependencies: [
                "JourneyQueue", "JourneyQueueSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "journeyq-bench",
            dependencies: ["JourneyQueue", "JourneyQueueSQLite"],
            swiftSettings: strict
        ),
        .testTarget(name: "JourneyQueueTests", dependencies: ["JourneyQueue"], swiftSettings: strict),
        .testTarget(
            name: "JourneyQueueSQLiteTests",
            dependencies: ["JourneyQueue", "JourneyQueueSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["journeyq", "JourneyQueue"],
            swiftSettings: strict
        ),
    ]
)
