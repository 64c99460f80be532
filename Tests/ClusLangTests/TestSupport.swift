import XCTest
@testable import ClusLang

/// The range every node gets after `stripped`, so trees can be compared by structure.
let Z = SourceRange(SourceLocation(line: 0, column: 0, offset: 0), SourceLocation(line: 0, column: 0, offset: 0))

extension Expr {
  /// The same tree with every range replaced by `Z`.
  var stripped: Expr {
    switch self {
    case .int(let v, _): return .int(v, Z)
    case .float(let v, _): return .float(v, Z)
    case .string(let v, _): return .string(v, Z)
    case .bool(let v, _): return .bool(v, Z)
    case .none: return .none(Z)
    case .list(let xs, _): return .list(xs.map { $0.stripped }, Z)
    case .name(let n, _): return .name(n, Z)
    case .call(let n, _, let args, let kw, _):
      return .call(
        name: n, nameRange: Z, args: args.map { $0.stripped },
        kwargs: kw.map { KeywordArg(name: $0.name, nameRange: Z, value: $0.value.stripped) }, range: Z)
    case .binary(let op, let a, let b, _): return .binary(op, a.stripped, b.stripped, Z)
    case .unary(let op, let a, _): return .unary(op, a.stripped, Z)
    case .index(let b, let items, _): return .index(b.stripped, items.map { $0.stripped }, Z)
    case .field(let b, let f, _, _): return .field(b.stripped, f, fieldRange: Z, range: Z)
    }
  }
}

extension IndexItem {
  var stripped: IndexItem {
    switch self {
    case .expr(let e): return .expr(e.stripped)
    case .slice(let lo, let hi, _): return .slice(lo: lo?.stripped, hi: hi?.stripped, range: Z)
    }
  }
}

extension Stmt {
  var stripped: Stmt {
    switch self {
    case .assign(let n, _, let v, _): return .assign(name: n, nameRange: Z, value: v.stripped, range: Z)
    case .expr(let e): return .expr(e.stripped)
    case .forLoop(let n, _, let seq, let body, let quiet, _):
      return .forLoop(name: n, nameRange: Z, sequence: seq.stripped, body: body.map { $0.stripped }, quiet: quiet, range: Z)
    }
  }
}

// Builders for expected trees (ranges `Z`).
func n(_ s: String) -> Expr { .name(s, Z) }
func i(_ v: Int) -> Expr { .int(v, Z) }
func f(_ v: Double) -> Expr { .float(v, Z) }
func s(_ v: String) -> Expr { .string(v, Z) }
func b(_ v: Bool) -> Expr { .bool(v, Z) }
func list(_ xs: Expr...) -> Expr { .list(xs, Z) }
func call(_ name: String, _ args: Expr..., kw: KeyValuePairs<String, Expr> = [:]) -> Expr {
  .call(name: name, nameRange: Z, args: args, kwargs: kw.map { KeywordArg(name: $0.key, nameRange: Z, value: $0.value) }, range: Z)
}
func bin(_ op: BinaryOp, _ a: Expr, _ b: Expr) -> Expr { .binary(op, a, b, Z) }
func neg(_ a: Expr) -> Expr { .unary(.neg, a, Z) }
func not(_ a: Expr) -> Expr { .unary(.not, a, Z) }
func idx(_ base: Expr, _ items: IndexItem...) -> Expr { .index(base, items, Z) }
func fld(_ base: Expr, _ name: String) -> Expr { .field(base, name, fieldRange: Z, range: Z) }
func sl(_ lo: Expr?, _ hi: Expr?) -> IndexItem { .slice(lo: lo, hi: hi, range: Z) }
func ix(_ e: Expr) -> IndexItem { .expr(e) }
func assign(_ name: String, _ v: Expr) -> Stmt { .assign(name: name, nameRange: Z, value: v, range: Z) }
func forLoop(_ name: String, _ seq: Expr, _ body: Stmt..., quiet: Set<Int> = []) -> Stmt {
  .forLoop(name: name, nameRange: Z, sequence: seq, body: body, quiet: quiet, range: Z)
}

/// A location shorthand.
func L(_ line: Int, _ col: Int, _ off: Int) -> SourceLocation { SourceLocation(line: line, column: col, offset: off) }
/// A range shorthand.
func R(_ l1: Int, _ c1: Int, _ o1: Int, _ l2: Int, _ c2: Int, _ o2: Int) -> SourceRange {
  SourceRange(L(l1, c1, o1), L(l2, c2, o2))
}

/// Parses `text` (file name `t.clus`).
func parse(_ text: String) throws -> Program { try Parser.parse(SourceFile(name: "t.clus", text: text)) }

/// The statements of `text`, ranges stripped.
func stmts(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Stmt] {
  do {
    return try parse(text).statements.map { $0.stripped }
  } catch let d as Diagnostic {
    XCTFail("unexpected error: \(d.render(in: SourceFile(name: "t.clus", text: text)))", file: file, line: line)
  } catch {
    XCTFail("unexpected error \(error)", file: file, line: line)
  }
  return []
}

/// The single expression statement of `text`, ranges stripped.
func expr(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Expr? {
  let ss = stmts(text, file: file, line: line)
  guard ss.count == 1, case .expr(let e) = ss[0] else {
    XCTFail("expected one expression statement, got \(ss)", file: file, line: line)
    return nil
  }
  return e
}

/// The diagnostic parsing `text` throws (nil, with a failure, when it parses).
func diag(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Diagnostic? {
  do {
    let p = try parse(text)
    XCTFail("expected an error, parsed \(p)", file: file, line: line)
  } catch let d as Diagnostic {
    return d
  } catch {
    XCTFail("unexpected error type \(error)", file: file, line: line)
  }
  return nil
}

/// Asserts that parsing `text` fails with `message` at `line:col`.
func assertError(
  _ text: String, _ message: String, at l: Int, _ c: Int, file: StaticString = #filePath, line: UInt = #line
) {
  guard let d = diag(text, file: file, line: line) else { return }
  XCTAssertEqual(d.message, message, file: file, line: line)
  XCTAssertEqual(d.range.start.line, l, "line", file: file, line: line)
  XCTAssertEqual(d.range.start.column, c, "column", file: file, line: line)
}
