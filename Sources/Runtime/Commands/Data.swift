import Algorithms

func registerData(_ t: inout CommandTable) {
  t.register(Command(
    "concat", group: "data", summary: "Stack matrices (rows) or vectors end to end",
    args: [ArgSpec("parts", .any, "two or more matrices with the same number of columns, or vectors", variadic: true)],
    examples: ["all = concat mnist.train.data mnist.test.data"]
  ) { inv in
    let parts = inv.args.map(\.resolved)
    guard let first = parts.first else { return .none }
    switch first {
    case .matrix(let m0):
      var data: [Float] = []
      var rows = 0
      for (k, p) in parts.enumerated() {
        guard case .matrix(let m) = p else { throw AlgorithmError.invalidInput("concat: part \(k + 1) is \(inv.args[k].kindName), not a matrix") }
        guard m.cols == m0.cols else { throw AlgorithmError.invalidInput("concat: part \(k + 1) has \(m.cols) columns, part 1 has \(m0.cols)") }
        data += m.data
        rows += m.rows
      }
      return .matrix(Matrix(rows: rows, cols: m0.cols, data: data))
    case .labels:
      var out: [Int] = []
      for (k, p) in parts.enumerated() {
        guard case .labels(let v) = p else { throw AlgorithmError.invalidInput("concat: part \(k + 1) is \(inv.args[k].kindName), not an int vector") }
        out += v
      }
      return .labels(out)
    case .floats, .mask:
      if case .mask = first, parts.allSatisfy({ if case .mask = $0 { return true }; return false }) {
        return .mask(parts.flatMap { if case .mask(let m) = $0 { return m }; return [] })
      }
      var out: [Double] = []
      for (k, p) in parts.enumerated() {
        switch p {
        case .floats(let v): out += v
        case .labels(let v): out += v.map(Double.init)
        default: throw AlgorithmError.invalidInput("concat: part \(k + 1) is \(inv.args[k].kindName), not a vector")
        }
      }
      return .floats(out)
    case .list:
      return .list(parts.flatMap { if case .list(let l) = $0 { return l }; return [$0] })
    default:
      throw AlgorithmError.invalidInput("concat needs matrices or vectors, got \(inv.args[0].kindName)")
    }
  })
}

func registerAlgorithms(_ t: inout CommandTable) {
}
