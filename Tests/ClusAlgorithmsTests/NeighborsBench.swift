import Foundation
import XCTest
@testable import ClusAlgorithms

/// Timing and recall of the neighbour search on MNIST (70,000 × 784 Float32 row-major in
/// /tmp/mnist70k.f32). Skipped unless CLUS_BENCH=1; run in release:
/// `CLUS_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter NeighborsBench`
/// (optional: CLUS_BENCH_RUNS, CLUS_THREADS, CLUS_MNIST).
final class NeighborsBench: XCTestCase {
  private func loadMNIST() throws -> Matrix {
    guard ProcessInfo.processInfo.environment["CLUS_BENCH"] == "1" else {
      throw XCTSkip("set CLUS_BENCH=1 to run the benchmark")
    }
    let path = ProcessInfo.processInfo.environment["CLUS_MNIST"] ?? "/tmp/mnist70k.f32"
    guard let data = FileManager.default.contents(atPath: path) else { throw XCTSkip("\(path) is missing") }
    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return Matrix(rows: values.count / 784, cols: 784, data: values)
  }

  /// Wall-clock seconds of `f`; also prints the process CPU seconds (less sensitive to load).
  private func seconds(_ f: () throws -> Void) rethrows -> Double {
    let c0 = clock()
    let t0 = DispatchTime.now().uptimeNanoseconds
    try f()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    print(String(format: "  wall %.2f s, cpu %.2f s", wall, Double(clock() - c0) / Double(CLOCKS_PER_SEC)))
    return wall
  }

  private func recall(_ a: KNNGraph, _ b: KNNGraph) -> Double {
    var hit = 0
    for i in 0..<b.n {
      let t = Set(b.indices[(i * b.k + 1)..<((i + 1) * b.k)])
      hit += Set(a.indices[(i * a.k + 1)..<((i + 1) * a.k)]).intersection(t).count
    }
    return Double(hit) / Double(b.n * (b.k - 1))
  }

  /// Recall on 200 random points of the full set against a brute-force scan.
  func testMNIST70kSampleRecall() throws {
    let x = try loadMNIST()
    let n = x.rows, d = x.cols, k = 15
    let g = try nnDescentKNN(x, k: k, metric: .euclidean, seed: 42, context: RunContext())
    var rng = RandomStream(seed: 5)
    var hit = 0, total = 0
    x.data.withUnsafeBufferPointer { p in
      let b = p.baseAddress!
      for _ in 0..<200 {
        let i = rng.nextInt(n)
        var ds = [(Float, Int)]()
        ds.reserveCapacity(n)
        for j in 0..<n where j != i {
          var s: Float = 0
          for t in 0..<d { let v = b[i * d + t] - b[j * d + t]; s += v * v }
          ds.append((s, j))
        }
        ds.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        let truth = Set(ds.prefix(k - 1).map { Int32($0.1) })
        hit += truth.intersection(g.indices[(i * k + 1)..<((i + 1) * k)]).count
        total += k - 1
      }
    }
    print(String(format: "MNIST 70k k=15: recall on 200 sampled points %.4f", Double(hit) / Double(total)))
  }

  /// The largest input the dispatch still solves exactly (n = 4095).
  func testMNISTExactLargestSmallCase() throws {
    let x = try loadMNIST()
    let sub = Matrix(rows: 4095, cols: 784, data: Array(x.data[0..<(4095 * 784)]))
    for k in [15, 30] {
      var times = [Double]()
      for _ in 0..<3 { times.append(try seconds { _ = try nearestNeighbors(sub, k: k, metric: .euclidean, seed: 1, context: RunContext()) }) }
      times.sort()
      print(String(format: "MNIST 4095×784 exact k=%d: median %.2f s", k, times[1]))
    }
  }

  func testMNISTTimings() throws {
    let x = try loadMNIST()
    let env = ProcessInfo.processInfo.environment
    let ctx = env["CLUS_THREADS"].flatMap { Int($0) }.map { RunContext(threads: $0) } ?? RunContext()
    let runs = Int(ProcessInfo.processInfo.environment["CLUS_BENCH_RUNS"] ?? "3") ?? 3
    for k in [15, 30] {
      var times = [Double]()
      for _ in 0..<runs {
        times.append(try seconds { _ = try nnDescentKNN(x, k: k, metric: .euclidean, seed: 42, context: ctx) })
      }
      times.sort()
      print(String(format: "MNIST 70000×784 k=%d threads=%d: median %.2f s (runs %@)", k, ctx.threads,
                   times[times.count / 2], times.map { String(format: "%.2f", $0) }.joined(separator: " ")))
    }
  }

  func testMNIST10kRecall() throws {
    let x = try loadMNIST()
    let sub = Matrix(rows: 10_000, cols: 784, data: Array(x.data[0..<(10_000 * 784)]))
    let ctx = RunContext()
    for k in [15, 30] {
      var exact: KNNGraph!
      let te = try seconds { exact = try exactKNN(sub, k: k, metric: .euclidean, context: ctx) }
      var approx: KNNGraph!
      let ta = try seconds { approx = try nnDescentKNN(sub, k: k, metric: .euclidean, seed: 42, context: ctx) }
      print(String(format: "MNIST 10k k=%d: recall %.4f, nn-descent %.2f s, exact %.2f s", k, recall(approx, exact), ta, te))
      let one = try nnDescentKNN(sub, k: k, metric: .euclidean, seed: 42, context: RunContext(threads: 1))
      XCTAssertEqual(one, approx, "threads 1 vs default")
    }
    var exact: KNNGraph!
    let te = try seconds { exact = try exactKNN(sub, k: 15, metric: .cosine, context: ctx) }
    var approx: KNNGraph!
    let ta = try seconds { approx = try nnDescentKNN(sub, k: 15, metric: .cosine, seed: 42, context: ctx) }
    print(String(format: "MNIST 10k cosine k=15: recall %.4f, nn-descent %.2f s, exact %.2f s", recall(approx, exact), ta, te))
    XCTAssertEqual(try nnDescentKNN(sub, k: 15, metric: .cosine, seed: 42, context: RunContext(threads: 1)), approx)
  }
}
