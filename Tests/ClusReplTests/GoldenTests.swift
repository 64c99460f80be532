import Foundation
import XCTest

/// Every `examples/*.clus` runs through the real `clus` binary; its stdout must equal
/// `examples/NAME.out`. Examples whose first line contains `# slow` run only with CLUS_SLOW=1.
/// `CLUS_UPDATE_GOLDEN=1` rewrites the goldens and fails the run, so none is committed by accident.
final class GoldenTests: XCTestCase {
  func testExamplesMatchGoldenOutputs() throws {
    let dir = repoRoot + "/examples"
    let env = ProcessInfo.processInfo.environment
    let slow = env["CLUS_SLOW"] == "1"
    let update = env["CLUS_UPDATE_GOLDEN"] == "1"
    let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".clus") }.sorted()
    XCTAssertFalse(files.isEmpty, "no examples found")
    var ran = 0
    for f in files {
      let path = dir + "/" + f
      let text = try String(contentsOfFile: path, encoding: .utf8)
      let isSlow = text.split(separator: "\n", maxSplits: 1).first?.contains("# slow") ?? false
      if isSlow != slow { continue }
      let golden = path.replacingOccurrences(of: ".clus", with: ".out")
      let r = try runClus(["--threads", "2", "--plot-dir", NSTemporaryDirectory() + "clus-golden-plots", "examples/" + f])
      if update {
        try r.stdout.write(toFile: golden, atomically: true, encoding: .utf8)
        continue
      }
      ran += 1
      XCTAssertEqual(r.status, 0, "\(f) exited \(r.status): \(r.stderr)")
      guard let expected = try? String(contentsOfFile: golden, encoding: .utf8) else {
        XCTFail("\(f): no golden output \(golden); run with CLUS_UPDATE_GOLDEN=1 to record it")
        continue
      }
      if r.stdout != expected {
        let a = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let k = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        XCTFail("\(f): output differs from \(golden) at line \(k + 1):\n  got:      \(k < a.count ? String(a[k]) : "<end>")\n  expected: \(k < b.count ? String(b[k]) : "<end>")")
      }
    }
    if update { XCTFail("golden outputs rewritten (CLUS_UPDATE_GOLDEN=1); review the diff and commit, then run again without it") }
    if !slow { XCTAssertGreaterThan(ran, 0) }
  }
}
