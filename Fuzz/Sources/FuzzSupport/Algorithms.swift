import ClusAlgorithms
import ClusLang
import ClusRuntime

/// Reads the fuzz input a byte at a time (zeros once it is used up).
public struct ByteReader {
  var bytes: [UInt8]
  var pos = 0
  /// A reader over `bytes`.
  public init(_ bytes: [UInt8]) { self.bytes = bytes }
  /// The next byte, 0 past the end.
  public mutating func byte() -> UInt8 {
    defer { pos += 1 }
    return pos < bytes.count ? bytes[pos] : 0
  }
  /// The next byte modulo `n` (n > 0).
  public mutating func below(_ n: Int) -> Int { Int(byte()) % n }

  /// A Float32 of the kinds that break numeric code: small integers (many duplicates), ±0,
  /// subnormals, huge magnitudes, NaN, ±inf, or any bit pattern.
  public mutating func value() -> Float {
    let b = byte()
    switch b {
    case 0..<200: return Float(Int(b % 20) - 10) * (b < 100 ? 1 : 0.125)
    case 200: return -0.0
    case 201: return .leastNonzeroMagnitude
    case 202: return -.leastNormalMagnitude / 3
    case 203: return .greatestFiniteMagnitude
    case 204: return -.greatestFiniteMagnitude
    case 205: return 1e30
    case 206: return 1e-30
    case 207: return .nan
    case 208: return .infinity
    case 209: return -.infinity
    case 210: return 1.0000001
    case 211: return 3e19
    default:
      var u: UInt32 = 0
      for _ in 0..<4 { u = u << 8 | UInt32(byte()) }
      return Float(bitPattern: u)
    }
  }

  /// An n × d matrix of `value()`s.
  public mutating func matrix(rows: Int, cols: Int) -> Matrix {
    Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { _ in value() })
  }
}

/// One algorithm run from fuzz bytes: a script over the variables `x` (n × d, n ≤ 40, d ≤ 5),
/// `y` (n × d′) and `a`, `b` (n labels), the names whose values are then checked.
public struct AlgorithmCase {
  /// The script, run through the language as a user's would be (argument checking, memory checks).
  public var script: String
  /// Variables bound before the script runs.
  public var variables: [String: Value]

  /// Decodes a case: byte 0 the command, byte 1 n, byte 2 d, then parameters, then the values.
  public init(_ bytes: [UInt8]) {
    var r = ByteReader(bytes)
    let which = r.below(9)
    let n = r.below(41), d = r.below(6)
    let k = 1 + r.below(12), seed = r.below(4), opt = r.byte()
    let flag = { (bit: UInt8) in opt & bit != 0 ? "true" : "false" }
    let metric = ["euclidean", "manhattan", "chebyshev", "cosine", "correlation", "minkowski"][Int(opt >> 5) % 6]
    switch which {
    case 0:
      let start = opt & 1 != 0 ? "\"random\"" : "\"spectral\""
      script = "r = umap x n_neighbors=\(k + 1) n_components=\(1 + Int(opt >> 1 & 1)) n_epochs=\(1 + Int(opt >> 2 & 7) * 5) "
        + "init=\(start) metric=\"\(metric)\" densmap=\(flag(16)) random_state=\(seed)\n"
        + "t = transform r x[0:\(min(n, 5))] transform_seed=1"
    case 1:
      let method = opt & 1 != 0 ? "\"leaf\"" : "\"eom\""
      script = "r = hdbscan x min_cluster_size=\(k + 1) min_samples=\(1 + r.below(8)) cluster_selection_method=\(method) "
        + "allow_single_cluster=\(flag(2)) approx_min_span_tree=\(flag(4)) cluster_selection_epsilon=\(Double(r.below(4)) / 2) "
        + "metric=\"\(metric)\"\n"
        + "p = approximate_predict r x\nm = membership_vector r x\ns = all_points_membership_vectors r"
    case 2:
      let start = opt & 1 != 0 ? "\"random\"" : "\"k-means++\""
      script = "r = kmeans x n_clusters=\(k) init=\(start) n_init=\(1 + Int(opt >> 1 & 3)) max_iter=\(1 + r.below(50)) random_state=\(seed)"
    case 3:
      script = opt & 1 != 0 ? "r = pca x n_components=0.\(1 + r.below(9)) whiten=\(flag(2))" : "r = pca x n_components=\(k) whiten=\(flag(2))"
    case 4:
      script = "r = dbscan x eps=\(Double(1 + r.below(40)) / 8) min_samples=\(k)"
    case 5:
      let avg = ["arithmetic", "max", "min", "geometric"][Int(opt) % 4]
      script = "r = ari a b\nm = ami a b average_method=\"\(avg)\"\ns = nmi a b average_method=\"\(avg)\"\nt = crosstab a b"
    case 6:
      script = "r = trustworthiness x y n_neighbors=\(k)"
    case 8:
      // the density-based validity scores: relative_validity of an hdbscan fit, DBCV of labels a
      script = "r = hdbscan x min_cluster_size=\(k + 1) min_samples=\(1 + r.below(8)) metric=\"\(metric)\"\n"
        + "w = validity_index x a metric=\"\(metric)\" mst_raw_dist=\(flag(1))\nv = relative_validity r"
    default:
      script = "r = silhouette x a\nt = silhouette_samples x a\nc = calinski_harabasz x a\nd = davies_bouldin x a\n"
        + "s = silhouette x a sample_size=\(2 + r.below(40)) random_state=\(seed)"
    }
    let d2 = 1 + r.below(3)
    let x = r.matrix(rows: n, cols: d)
    let y = r.matrix(rows: n, cols: d2)
    let labels = { (r: inout ByteReader) in (0..<n).map { _ in Int(r.byte() % 7) - 1 } }
    variables = ["x": .matrix(x), "y": .matrix(y), "a": .labels(labels(&r)), "b": .labels(labels(&r))]
  }

  /// Runs the case with 1 and with 2 threads; the answers must pass `check` and be the same bits.
  public func run() {
    let one = runOnce(threads: 1), two = runOnce(threads: 2)
    if one != two {
      violated("threads 1 and 2 differ for\n\(script)\nwith\n\(inputText)\n--- 1 thread:\n\(one)\n--- 2 threads:\n\(two)")
    }
  }

  /// The bits of every value the script bound, or its error message.
  func runOnce(threads: Int) -> String {
    Sandbox.prepare()
    let session = Session(threads: threads, table: Sandbox.table)
    var err = ""
    session.output = { _ in }
    session.errorOutput = { err += $0 }
    for (k, v) in variables { session.variables[k] = v }
    guard session.run(SourceFile(name: "fuzz.clus", text: script)) else {
      if err.isEmpty { violated("the script failed without a message:\n\(script)") }
      return "error: " + err
    }
    var out = ""
    for name in ["r", "t", "p", "m", "s", "c", "d", "v", "w"] {
      guard let v = session.variables[name] else { continue }
      check(name, v)
      out += name + ": " + fingerprint(v) + "\n"
    }
    return out
  }

  /// The input variables, readable (for a violation's message).
  var inputText: String {
    variables.keys.sorted().map { k -> String in
      switch variables[k]! {
      case .matrix(let m):
        return "\(k) = [" + (0..<m.rows).map { r in "[" + (0..<m.cols).map { "\(m[r, $0])" }.joined(separator: ", ") + "]" }
          .joined(separator: ", ") + "]"
      case .labels(let l): return "\(k) = \(l)"
      default: return k
      }
    }.joined(separator: "\n")
  }

  /// The invariants of each command's answer.
  func check(_ name: String, _ v: Value) {
    func fail(_ m: String) -> Never { violated("\(name): \(m) for\n\(script)\nwith\n\(inputText)") }
    let n = variables["x"].flatMap { if case .matrix(let m) = $0 { return m.rows }; return nil } ?? 0
    func finite(_ m: Matrix, _ what: String) {
      if m.data.count != m.rows * m.cols { fail("\(what): \(m.rows) × \(m.cols) with \(m.data.count) values") }
      if let i = m.data.firstIndex(where: { !$0.isFinite }) { fail("\(what): non-finite value \(m.data[i]) at \(i)") }
    }
    func labels(_ l: [Int], rows: Int, below: Int) {
      if l.count != rows { fail("\(l.count) labels for \(rows) rows") }
      if let bad = l.first(where: { $0 < -1 || $0 >= below }) { fail("label \(bad) outside -1..<\(below)") }
    }
    func unit(_ f: [Double], _ what: String, slack: Double = 0) {
      if let bad = f.first(where: { !($0 >= -slack && $0 <= 1 + slack) }) { fail("\(what) \(bad) outside [0, 1]") }
    }
    switch v {
    case .matrix(let m):
      finite(m, "matrix")
      if name == "m" || name == "s" {  // soft memberships: rows of probabilities
        unit(m.data.map(Double.init), "membership")
      }
    case .float(let f) where name == "c" || name == "d":  // Calinski–Harabasz, Davies–Bouldin: ≥ 0
      if !(f >= 0 && f.isFinite) { fail("score \(f) not finite and ≥ 0") }
    case .float(let f) where name == "w" || name == "v":  // DBCV, relative validity: nan for one cluster or 0/0, else in [-1, 1]
      if f.isInfinite || f > 1 + 1e-9 || f < -1 - 1e-9 { fail("DBCV \(f) outside [-1, 1]") }
    case .float(let f) where name == "m":  // AMI: at most 1, unbounded below (sklearn gives -2 for a = [0, 0, 4, -1, 1, 5],
      // b = [3, -1, -1, -1, -1, -1] with average_method="min": the expected MI exceeds the smaller entropy)
      if !f.isFinite || f > 1 + 1e-9 { fail("AMI \(f) not finite and ≤ 1") }
    case .float(let f):
      if !f.isFinite || f > 1 + 1e-9 || f < -1 - 1e-9 { fail("score \(f) outside [-1, 1]") }
    case .floats(let f) where name == "t":  // silhouette_samples
      if f.count != n { fail("\(f.count) silhouettes for \(n) rows") }
      if let bad = f.first(where: { !($0 >= -1 - 1e-12 && $0 <= 1 + 1e-12) }) { fail("silhouette \(bad) outside [-1, 1]") }
    case .record(let rec):
      switch rec.kind {
      case "umap":
        if case .matrix(let e)? = rec["embedding"] { finite(e, "embedding") } else { fail("no embedding") }
      case "hdbscan", "prediction":
        guard case .labels(let l)? = rec["labels"], case .floats(let p)? = rec["probabilities"] else { fail("no labels") }
        labels(l, rows: rec.kind == "prediction" ? l.count : n, below: max(n, 1))
        unit(p, "probability")
        if p.count != l.count { fail("\(p.count) probabilities for \(l.count) labels") }
      case "kmeans":
        guard case .labels(let l)? = rec["labels"], case .matrix(let c)? = rec["cluster_centers"],
          case .float(let inertia)? = rec["inertia"] else { fail("incomplete kmeans record") }
        labels(l, rows: n, below: c.rows)
        if l.contains(-1) { fail("kmeans labelled a point -1") }
        finite(c, "centers")
        if !(inertia >= 0 && inertia.isFinite) { fail("inertia \(inertia)") }
      case "pca":
        guard case .matrix(let t)? = rec["transformed"], case .floats(let ratio)? = rec["explained_variance_ratio"],
          case .floats(let ev)? = rec["explained_variance"] else { fail("incomplete pca record") }
        finite(t, "transformed")
        if t.rows != n { fail("\(t.rows) transformed rows for \(n)") }
        unit(ratio, "explained variance ratio", slack: 1e-12)  // a ratio of Doubles: 1 + 2⁻⁵² for rank-1 data
        if ratio.reduce(0, +) > 1 + 1e-6 { fail("explained variance ratios sum to \(ratio.reduce(0, +))") }
        if let bad = ev.first(where: { !($0 >= 0) || !$0.isFinite }) { fail("explained variance \(bad)") }
      case "dbscan":
        guard case .labels(let l)? = rec["labels"], case .labels(let core)? = rec["core_sample_indices"] else { fail("no labels") }
        labels(l, rows: n, below: max(n, 1))
        if let bad = core.first(where: { $0 < 0 || $0 >= n }) { fail("core sample index \(bad)") }
      default:
        break
      }
    default:
      break
    }
  }
}

/// A text that differs whenever two values differ in any bit (floats by their bit patterns);
/// records' `timings` fields (wall-clock times) are left out.
public func fingerprint(_ v: Value) -> String {
  switch v {
  case .int(let i): return "i\(i)"
  case .float(let f): return "f\(f.bitPattern)"
  case .string(let s): return "s\(s.debugDescription)"
  case .bool(let b): return "b\(b)"
  case .none: return "none"
  case .list(let l): return "[" + l.map(fingerprint).joined(separator: ",") + "]"
  case .matrix(let m): return "m\(m.rows)x\(m.cols):" + m.data.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
  case .sparse(let m): return fingerprint(.matrix(m.dense()))
  case .labels(let l): return "l" + l.map(String.init).joined(separator: ",")
  case .floats(let f): return "F" + f.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
  case .mask(let m): return "M" + m.map { $0 ? "1" : "0" }.joined()
  case .record(let r): return r.kind + "{" + r.fields.filter { $0.name != "timings" }.map { $0.name + "=" + fingerprint($0.value) }.joined(separator: ";") + "}"
  case .figure(let f): return "figure(\(f.pointCount))"
  }
}
