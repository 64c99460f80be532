// swift-tools-version:6.0
// A tiny package that uses clus's numeric library from another Swift package (issue #12):
// it depends on the repository by path and imports ClusAlgorithms. `make example-package` from the
// repository root builds and runs it (part of `make check`).
import PackageDescription

let package = Package(
  name: "clus-example",
  dependencies: [.package(name: "clus", path: "../..")],
  targets: [
    .executableTarget(
      name: "ClusterBlobs",
      dependencies: [.product(name: "ClusAlgorithms", package: "clus")]),
  ]
)
