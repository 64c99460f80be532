import XCTest

/// The numeric library's results must not depend on the processor: no call may reach a function
/// that glibc or OpenBLAS selects by CPU at load time (libm's exp/log/pow/... have FMA and AVX2
/// variants; BLAS and LAPACK pick kernels per processor family). This test reads the library's
/// sources and fails on any such call outside `Elementary` (our own elementary functions).
final class DeterminismGuardTests: XCTestCase {
  func testNumericLibraryCallsNoCPUDispatchedFunction() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/ClusAlgorithms")
    let files = try XCTUnwrap(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
      .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    XCTAssertGreaterThan(files.count, 20, "the library's sources were not found at \(root.path)")
    let libm = ["exp", "exp2", "expm1", "expf", "log", "log2", "log10", "log1p", "logf", "log2f", "pow", "powf",
                "sin", "cos", "tan", "sinf", "cosf", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh",
                "erf", "erfc", "lgamma", "tgamma", "hypot", "cbrt", "fma", "fmaf"]
    // a bare call (not a method or a member such as `Elementary.exp(` or `x.squareRoot(`)
    let names = libm.joined(separator: "|")
    let call = try NSRegularExpression(pattern: "((?<![.\\w])|\\b(Glibc|Foundation|Darwin)\\.)(\(names))\\s*\\(")
    let vendor = try NSRegularExpression(pattern: "\\b(cblas_\\w+|LAPACKE_\\w+|import (COpenBLAS|CLapacke))\\b|\\.addingProduct\\(")
    var found: [String] = []
    for file in files where file.lastPathComponent != "Elementary.swift" {
      let text = try String(contentsOf: file, encoding: .utf8)
      for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        // code only: drop comments
        let code = String(line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        let range = NSRange(code.startIndex..., in: code)
        for re in [call, vendor] where re.firstMatch(in: code, range: range) != nil {
          found.append("\(file.lastPathComponent):\(n + 1): \(line.trimmingCharacters(in: .whitespaces))")
        }
      }
    }
    XCTAssertEqual(found, [], "calls whose result depends on the CPU (use Elementary / Gemm / SymmetricEigen)")
  }
}
