// swift-tools-version:6.0
import PackageDescription

// The numeric library is built with `-Ounchecked` (no bounds or overflow checks). `CLUS_CHECKED=1` builds it
// with `-O` instead, same optimisation with Swift's checks on: the sanitizer runs (`make test-tsan`,
// `make test-asan`) use it, so an out-of-range index traps there too.
let checked = Context.environment["CLUS_CHECKED"] == "1"
let algorithmsFlags = checked ? ["-O"] : ["-Ounchecked"]

let package = Package(
  name: "clus",
  products: [
    .executable(name: "clus", targets: ["Repl"]),
    .library(name: "Algorithms", targets: ["Algorithms"]),
    // for the fuzz targets (Fuzz/Package.swift), which depend on this package by path
    .library(name: "Lang", targets: ["Lang"]),
    .library(name: "Runtime", targets: ["Runtime"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .systemLibrary(name: "CLapacke", path: "Sources/CLapacke", pkgConfig: "lapacke",
                   providers: [.apt(["liblapacke-dev"])]),
    .systemLibrary(name: "CEdit", path: "Sources/CEdit", pkgConfig: "libedit",
                   providers: [.apt(["libedit-dev"])]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                   providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                   providers: [.apt(["libpng-dev"])]),
    .target(name: "Lang", path: "Sources/Lang"),
    // AVX tiles of the deterministic products (the same arithmetic per element as the Swift kernel)
    .target(name: "CGemmKernels", path: "Sources/CGemmKernels"),
    .target(
      name: "Algorithms", dependencies: ["CGemmKernels"], path: "Sources/Algorithms",
      swiftSettings: [.unsafeFlags(algorithmsFlags)]),
    .target(
      name: "Runtime", dependencies: ["Lang", "Algorithms", "CZlib", "CPNG"],
      path: "Sources/Runtime"),
    .executableTarget(
      name: "Repl",
      dependencies: [
        "Runtime", "Lang", "CEdit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/Repl"),
    .testTarget(name: "LangTests", dependencies: ["Lang"], path: "Tests/LangTests"),
    // LAPACK only as a reference for the eigensolver tests; the library itself does not link it.
    .testTarget(name: "AlgorithmsTests", dependencies: ["Algorithms", "CLapacke"], path: "Tests/AlgorithmsTests",
                resources: [.copy("Fixtures")]),
    .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Lang", "Algorithms"],
                path: "Tests/RuntimeTests"),
    .testTarget(name: "ReplTests", dependencies: ["Runtime"], path: "Tests/ReplTests"),
  ],
  swiftLanguageModes: [.v5]
)
