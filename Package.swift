// swift-tools-version:6.0
import PackageDescription

// No unsafe flags: every target builds with its configuration's settings, Swift's bounds and overflow checks
// on, so that another package can depend on this one by version. The tests build the debug configuration
// optimised (`make test` passes `-Xswiftc -O`; docs/architecture.md, "Tests").

// CLUS_MANIFEST=algorithms (make test-tsan): the numeric library and its tests alone, so that the
// ThreadSanitizer build, which runs only the parallel algorithms' tests, compiles nothing else.
let algorithmsOnly = Context.environment["CLUS_MANIFEST"] == "algorithms"

let package = Package(
  name: "clus",
  products: [
    .executable(name: "clus", targets: ["ClusRepl"]),
    // the numeric library, usable from another Swift package (examples/swift-package)
    .library(name: "ClusAlgorithms", targets: ["ClusAlgorithms"]),
    // for the fuzz targets (Fuzz/Package.swift), which depend on this package by path
    .library(name: "ClusLang", targets: ["ClusLang"]),
    .library(name: "ClusRuntime", targets: ["ClusRuntime"]),
    .library(name: "ClusKernel", targets: ["ClusKernel"]),
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
    // pictures: Cairo draws every plot (PNG, SVG and PDF from one drawing code), text in DejaVu Sans through fontconfig
    .systemLibrary(name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
                   providers: [.apt(["libcairo2-dev", "fonts-dejavu-core"])]),
    // NumPy .npz archives (zip files of .npy members), read from memory and written with libzip
    .systemLibrary(name: "CZip", path: "Sources/CZip", pkgConfig: "libzip",
                   providers: [.apt(["libzip-dev"])]),
    // AnnData .h5ad files, read (and written into copies) with the HDF5 C library's serial build
    .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                   providers: [.apt(["libhdf5-dev"])]),
    // the Jupyter kernel: ZeroMQ sockets (libzmq) and HMAC-SHA256 message signatures (OpenSSL's libcrypto)
    .systemLibrary(name: "CZmq", path: "Sources/CZmq", pkgConfig: "libzmq",
                   providers: [.apt(["libzmq3-dev"])]),
    .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto",
                   providers: [.apt(["libssl-dev"])]),
    // CSV numbers: fast_float's correctly rounded decimal-to-double (C++, header only), behind a C function
    .target(name: "CFastFloat", path: "Sources/CFastFloat"),
    .target(name: "ClusLang", path: "Sources/ClusLang", swiftSettings: [.swiftLanguageMode(.v6)]),
    // AVX tiles of the deterministic products (the same arithmetic per element as the Swift kernel), and the
    // layout's prefetch hint
    .target(name: "CGemmKernels", path: "Sources/CGemmKernels"),
    .target(
      name: "ClusAlgorithms", dependencies: ["CGemmKernels"], path: "Sources/ClusAlgorithms",
      // each folder's README maps its files to the paper's steps and the reference implementation
      exclude: ["Core/README.md", "DBSCAN/README.md", "HDBSCAN/README.md", "KMeans/README.md", "Metrics/README.md",
                "Neighbors/README.md", "PCA/README.md", "UMAP/README.md"]),
    .target(
      name: "ClusRuntime", dependencies: ["ClusLang", "ClusAlgorithms", "CZlib", "CPNG", "CZip", "CHDF5", "CCairo", "CFastFloat"],
      path: "Sources/ClusRuntime"),
    // the Jupyter kernel and notebooks written from scripts (the runtime knows nothing of ZeroMQ)
    .target(
      name: "ClusKernel", dependencies: ["ClusRuntime", "ClusLang", "CZmq", "CCrypto"],
      path: "Sources/ClusKernel"),
    .executableTarget(
      name: "ClusRepl",
      dependencies: [
        "ClusRuntime", "ClusLang", "ClusKernel", "CEdit",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/ClusRepl"),
    .testTarget(name: "ClusLangTests", dependencies: ["ClusLang"], path: "Tests/ClusLangTests",
                swiftSettings: [.swiftLanguageMode(.v6)]),
    // LAPACK only as a reference for the eigensolver tests; the library itself does not link it.
    .testTarget(name: "ClusAlgorithmsTests", dependencies: ["ClusAlgorithms", "CLapacke"],
                path: "Tests/ClusAlgorithmsTests",
                resources: [.copy("Fixtures")], swiftSettings: [.swiftLanguageMode(.v6)]),
    .testTarget(name: "ClusRuntimeTests", dependencies: ["ClusRuntime", "ClusLang", "ClusAlgorithms"],
                path: "Tests/ClusRuntimeTests", resources: [.copy("Fixtures")],
                swiftSettings: [.swiftLanguageMode(.v6)]),
    .testTarget(name: "ClusKernelTests", dependencies: ["ClusKernel", "ClusRuntime", "ClusAlgorithms"], path: "Tests/ClusKernelTests",
                swiftSettings: [.swiftLanguageMode(.v6)]),
    // the real binary, and (@testable) the executable's terminal code
    .testTarget(name: "ClusReplTests", dependencies: ["ClusRuntime", "ClusRepl"], path: "Tests/ClusReplTests",
                swiftSettings: [.swiftLanguageMode(.v6)]),
  ],
  // Swift 5 for the targets that do not set a mode; docs/architecture.md ("Language modes") says which are in
  // Swift 6 and why the others stay
  swiftLanguageModes: [.v5],
  // fast_float (CFastFloat) needs C++11 or later
  cxxLanguageStandard: .cxx17
)

if algorithmsOnly {
  let kept: Set<String> = ["CLapacke", "CGemmKernels", "ClusAlgorithms", "ClusAlgorithmsTests"]
  package.targets.removeAll { !kept.contains($0.name) }
  package.products.removeAll { $0.name != "ClusAlgorithms" }
  package.dependencies.removeAll()
}
