// swift-tools-version:6.0
// libFuzzer targets for clus (issue #19), as swift-protobuf's FuzzTesting/: a separate package so
// that the main package never builds with the fuzzer. Build and run with `make fuzz` and
// `make fuzz-run FUZZ_SECONDS=N` from the repository root (docs/reliability.md, "Fuzzing").
import PackageDescription

let package = Package(
  name: "clus-fuzz",
  dependencies: [.package(name: "clus", path: "..")],
  targets: [
    // libFuzzer's LLVMFuzzerRunDriver (a header only; the symbol comes with -sanitize=fuzzer)
    .systemLibrary(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
    .target(
      name: "FuzzSupport",
      dependencies: ["CFuzzerDriver", .product(name: "ClusRuntime", package: "clus"),
                     .product(name: "ClusLang", package: "clus"), .product(name: "ClusAlgorithms", package: "clus")]),
    .executableTarget(name: "FuzzLanguage", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzNPY", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzNPZ", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzIDX", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzCSV", dependencies: ["FuzzSupport"]),
    .executableTarget(name: "FuzzAlgorithms", dependencies: ["FuzzSupport"]),
    // AnnData .h5ad files: HDF5 file images through libhdf5 and clus's reading of anndata's encodings
    .executableTarget(name: "FuzzH5AD", dependencies: ["FuzzSupport"]),
    // the Jupyter kernel's readers: connection files, multipart messages, JSON, scripts cut into cells
    .executableTarget(name: "FuzzKernel", dependencies: ["FuzzSupport", .product(name: "ClusKernel", package: "clus")]),
  ],
  swiftLanguageModes: [.v5]
)
