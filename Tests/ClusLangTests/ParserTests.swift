import XCTest
@testable import ClusLang

final class ParserTests: XCTestCase {
  // MARK: Statements

  func testAssignmentAndExpressionStatements() {
    XCTAssertEqual(stmts("x = 1\nx"), [assign("x", i(1)), .expr(n("x"))])
    XCTAssertEqual(stmts("a = 1; b = 2;; c"), [assign("a", i(1)), assign("b", i(2)), .expr(n("c"))])
    XCTAssertEqual(stmts(""), [])
    XCTAssertEqual(stmts("\n;\n  # nothing here\n"), [])
    XCTAssertEqual(stmts("x == 1"), [.expr(bin(.eq, n("x"), i(1)))])
  }

  func testComments() {
    XCTAssertEqual(stmts("# header\nx = 2 # two\ny = [1, # one\n 2] # list"), [assign("x", i(2)), assign("y", list(i(1), i(2)))])
  }

  // MARK: Literals

  func testLiterals() {
    XCTAssertEqual(expr("42"), i(42))
    XCTAssertEqual(expr("70_000"), i(70000))
    XCTAssertEqual(expr("1e-3"), f(0.001))
    XCTAssertEqual(expr(".5"), f(0.5))
    XCTAssertEqual(expr("'a\\tb'"), s("a\tb"))
    XCTAssertEqual(expr("true"), b(true))
    XCTAssertEqual(expr("false"), b(false))
    XCTAssertEqual(expr("none"), .none(Z))
    XCTAssertEqual(expr("[1, 2, 3]"), list(i(1), i(2), i(3)))
    XCTAssertEqual(expr("[1, 2,]"), list(i(1), i(2)))
    XCTAssertEqual(expr("[]"), list())
    XCTAssertEqual(expr("[[1], \"a\", -2]"), list(list(i(1)), s("a"), neg(i(2))))
  }

  // MARK: Precedence

  func testPrecedence() {
    XCTAssertEqual(expr("1 + 2 * 3"), bin(.add, i(1), bin(.mul, i(2), i(3))))
    XCTAssertEqual(expr("(1 + 2) * 3"), bin(.mul, bin(.add, i(1), i(2)), i(3)))
    XCTAssertEqual(expr("1 - 2 - 3"), bin(.sub, bin(.sub, i(1), i(2)), i(3)))
    XCTAssertEqual(expr("8 / 4 / 2"), bin(.div, bin(.div, i(8), i(4)), i(2)))
    XCTAssertEqual(expr("-a * b"), bin(.mul, neg(n("a")), n("b")))
    XCTAssertEqual(expr("- -1"), neg(neg(i(1))))
    XCTAssertEqual(expr("a + b < c * 2"), bin(.lt, bin(.add, n("a"), n("b")), bin(.mul, n("c"), i(2))))
    XCTAssertEqual(
      expr("a < 1 or b >= 2 and not c != 3"),
      bin(.or, bin(.lt, n("a"), i(1)), bin(.and, bin(.ge, n("b"), i(2)), not(bin(.ne, n("c"), i(3))))))
    XCTAssertEqual(expr("not not x"), not(not(n("x"))))
    XCTAssertEqual(expr("a and b and c"), bin(.and, bin(.and, n("a"), n("b")), n("c")))
    XCTAssertEqual(expr("-m[0].x"), neg(fld(idx(n("m"), ix(i(0))), "x")))
    XCTAssertEqual(expr("a == b"), bin(.eq, n("a"), n("b")))
    XCTAssertEqual(expr("a <= b"), bin(.le, n("a"), n("b")))
    XCTAssertEqual(expr("a > b"), bin(.gt, n("a"), n("b")))
  }

  /// A unary plus, as Python's: where a unary minus may stand, at the same precedence.
  func testUnaryPlus() {
    XCTAssertEqual(expr("+2"), .unary(.pos, i(2), Z))
    XCTAssertEqual(expr("-+2"), neg(.unary(.pos, i(2), Z)))
    XCTAssertEqual(expr("+2 ** 2"), .unary(.pos, bin(.pow, i(2), i(2)), Z))
    XCTAssertEqual(expr("2 ** +1"), bin(.pow, i(2), .unary(.pos, i(1), Z)))
    XCTAssertEqual(expr("a + +b"), bin(.add, n("a"), .unary(.pos, n("b"), Z)))
    // after a command, as `-`: `print +3` passes +3 (it was `print` then `+ 3`); `a + 3` and
    // `a+3` stay additions
    XCTAssertEqual(expr("print +3"), call("print", .unary(.pos, i(3), Z)))
    XCTAssertEqual(expr("f x +y"), call("f", n("x"), .unary(.pos, n("y"), Z)))
    XCTAssertEqual(expr("a + 3"), bin(.add, n("a"), i(3)))
    XCTAssertEqual(expr("a+3"), bin(.add, n("a"), i(3)))
  }

  /// `**` as Python: tighter than a unary minus on its left, right-grouping, a negated exponent.
  func testPowerPrecedence() {
    XCTAssertEqual(expr("-2 ** 2"), neg(bin(.pow, i(2), i(2))))
    XCTAssertEqual(expr("2 ** 3 ** 2"), bin(.pow, i(2), bin(.pow, i(3), i(2))))
    XCTAssertEqual(expr("2 ** -1"), bin(.pow, i(2), neg(i(1))))
    XCTAssertEqual(expr("a * b ** 2"), bin(.mul, n("a"), bin(.pow, n("b"), i(2))))
    XCTAssertEqual(expr("x[0] ** 2 + 1"), bin(.add, bin(.pow, idx(n("x"), ix(i(0))), i(2)), i(1)))
    XCTAssertEqual(expr("a*b"), bin(.mul, n("a"), n("b")))
  }

  // MARK: Postfix

  func testIndexing() {
    XCTAssertEqual(expr("m[c]"), idx(n("m"), ix(n("c"))))
    XCTAssertEqual(expr("m[0:1000]"), idx(n("m"), sl(i(0), i(1000))))
    XCTAssertEqual(expr("m[:, 0]"), idx(n("m"), sl(nil, nil), ix(i(0))))
    XCTAssertEqual(expr("m[lo:]"), idx(n("m"), sl(n("lo"), nil)))
    XCTAssertEqual(expr("m[:hi]"), idx(n("m"), sl(nil, n("hi"))))
    XCTAssertEqual(expr("m[:]"), idx(n("m"), sl(nil, nil)))
    XCTAssertEqual(expr("m[l == 3, 1:n - 1]"), idx(n("m"), ix(bin(.eq, n("l"), i(3))), sl(i(1), bin(.sub, n("n"), i(1)))))
    XCTAssertEqual(expr("m[0][1]"), idx(idx(n("m"), ix(i(0))), ix(i(1))))
    XCTAssertEqual(expr("m[\n  0:10,\n  2\n]"), idx(n("m"), sl(i(0), i(10)), ix(i(2))))
  }

  func testFieldAccess() {
    XCTAssertEqual(expr("mnist.data"), fld(n("mnist"), "data"))
    XCTAssertEqual(expr("a.b.c"), fld(fld(n("a"), "b"), "c"))
    XCTAssertEqual(expr("r.labels[0:5]"), idx(fld(n("r"), "labels"), sl(i(0), i(5))))
  }

  func testFieldAndIndexRanges() throws {
    let p = try parse("x = a.bc.d")
    guard case .assign(_, let nameRange, let v, let r) = p.statements[0],
      case .field(let inner, "d", let dRange, let outerRange) = v,
      case .field(_, "bc", let bcRange, let innerRange) = inner
    else { return XCTFail("unexpected tree \(p)") }
    XCTAssertEqual(nameRange, R(1, 1, 0, 1, 2, 1))
    XCTAssertEqual(r, R(1, 1, 0, 1, 11, 10))
    XCTAssertEqual(bcRange, R(1, 7, 6, 1, 9, 8))
    XCTAssertEqual(dRange, R(1, 10, 9, 1, 11, 10))
    XCTAssertEqual(innerRange, R(1, 5, 4, 1, 9, 8))
    XCTAssertEqual(outerRange, R(1, 5, 4, 1, 11, 10))

    let q = try parse("m[1:, 0]")
    guard case .expr(.index(_, let items, let ir)) = q.statements[0], case .slice(_, nil, let sr) = items[0] else {
      return XCTFail("unexpected tree \(q)")
    }
    XCTAssertEqual(ir, R(1, 1, 0, 1, 9, 8))
    XCTAssertEqual(sr, R(1, 3, 2, 1, 5, 4))
  }

  func testParenthesisedRangesIncludeParens() throws {
    let p = try parse("(a + b) * c")
    guard case .expr(.binary(.mul, let lhs, _, let r)) = p.statements[0] else { return XCTFail("\(p)") }
    XCTAssertEqual(r, R(1, 1, 0, 1, 12, 11))
    XCTAssertEqual(lhs.range, R(1, 2, 1, 1, 7, 6))
  }

  // MARK: Calls by juxtaposition

  func testCalls() {
    XCTAssertEqual(
      stmts("e = umap mnist.data n_neighbors=30 min_dist=0"),
      [assign("e", call("umap", fld(n("mnist"), "data"), kw: ["n_neighbors": i(30), "min_dist": i(0)]))])
    XCTAssertEqual(
      expr("score (hdbscan e min_cluster_size=500) y"),
      call("score", call("hdbscan", n("e"), kw: ["min_cluster_size": i(500)]), n("y")))
    XCTAssertEqual(expr("score l[c] y[c]"), call("score", idx(n("l"), ix(n("c"))), idx(n("y"), ix(n("c")))))
    XCTAssertEqual(expr("count l"), call("count", n("l")))
    XCTAssertEqual(expr("vars"), n("vars"))
    XCTAssertEqual(expr("load \"data/mnist\" limit=1_000"), call("load", s("data/mnist"), kw: ["limit": i(1000)]))
    XCTAssertEqual(expr("plot e labels=l title='UMAP' show=true"), call("plot", n("e"), kw: ["labels": n("l"), "title": s("UMAP"), "show": b(true)]))
    XCTAssertEqual(expr("kmeans x k=10 seed=-1"), call("kmeans", n("x"), kw: ["k": i(10), "seed": neg(i(1))]))
    XCTAssertEqual(expr("f n = 3"), call("f", kw: ["n": i(3)]))
    XCTAssertEqual(expr("f(x)"), call("f", n("x")))
    XCTAssertEqual(expr("f x none 1.5 'a'"), call("f", n("x"), .none(Z), f(1.5), s("a")))
  }

  func testCallArgumentListEnds() {
    XCTAssertEqual(expr("(sum m) > 0"), bin(.gt, call("sum", n("m")), i(0)))
    XCTAssertEqual(expr("(count l) == 3"), bin(.eq, call("count", n("l")), i(3)))
    XCTAssertEqual(expr("x == count l"), bin(.eq, n("x"), call("count", n("l"))))
    XCTAssertEqual(expr("-f x"), neg(call("f", n("x"))))
    XCTAssertEqual(expr("mean (h >= 0)"), call("mean", bin(.ge, n("h"), i(0))))
    XCTAssertEqual(expr("count (l >= 0)"), call("count", bin(.ge, n("l"), i(0))))
    XCTAssertEqual(expr("a + f x"), bin(.add, n("a"), call("f", n("x"))))
    XCTAssertEqual(expr("not (f x) and g"), bin(.and, not(call("f", n("x"))), n("g")))
    XCTAssertEqual(expr("g and not f x"), bin(.and, n("g"), not(call("f", n("x")))))
    assertError("not f x and g", "a command call before an operator is ambiguous (its arguments end at the operator): write (f x) and g or f (x and g)", at: 1, 9)
    XCTAssertEqual(expr("[f x, g y]"), list(call("f", n("x")), call("g", n("y"))))
    XCTAssertEqual(expr("m[f x]"), idx(n("m"), ix(call("f", n("x")))))
    XCTAssertEqual(stmts("f x; g y"), [.expr(call("f", n("x"))), .expr(call("g", n("y")))])
    XCTAssertEqual(stmts("f\nx"), [.expr(n("f")), .expr(n("x"))])
  }

  func testMinusRule() {
    XCTAssertEqual(expr("a - 1"), bin(.sub, n("a"), i(1)))
    XCTAssertEqual(expr("a-1"), bin(.sub, n("a"), i(1)))
    XCTAssertEqual(expr("a- 1"), bin(.sub, n("a"), i(1)))
    XCTAssertEqual(expr("f -1"), call("f", neg(i(1))))
    XCTAssertEqual(expr("f x -y"), call("f", n("x"), neg(n("y"))))
    assertError("f x - y", "a command call before an operator is ambiguous (its arguments end at the operator): write (f x) - y or f (x - y)", at: 1, 5)
    XCTAssertEqual(expr("(f x) - y"), bin(.sub, call("f", n("x")), n("y")))
    // a sign glued to a bracket or a string passes a signed argument too: `exit -(1)` ran `exit`
    // (status 0) before the subtraction could fail
    XCTAssertEqual(expr("f -(x)"), call("f", neg(n("x"))))
    XCTAssertEqual(expr("f +(x)"), call("f", .unary(.pos, n("x"), Z)))
    XCTAssertEqual(expr("f -[1]"), call("f", neg(list(i(1)))))
    XCTAssertEqual(expr("f - (x)"), bin(.sub, n("f"), n("x")))
    // glued signs sign one argument (`exit --3` ran exit, status 0, before the subtraction failed)
    XCTAssertEqual(expr("f --3"), call("f", neg(neg(i(3)))))
    XCTAssertEqual(expr("f -+(x)"), call("f", neg(.unary(.pos, n("x"), Z))))
    XCTAssertEqual(expr("f - -3"), bin(.sub, n("f"), neg(i(3))))
    XCTAssertEqual(expr("f-(x)"), bin(.sub, n("f"), n("x")))
    XCTAssertEqual(expr("f (-x)"), call("f", neg(n("x"))))
    XCTAssertEqual(expr("3 -1"), bin(.sub, i(3), i(1)))
    XCTAssertEqual(expr("m[0] -1"), bin(.sub, idx(n("m"), ix(i(0))), i(1)))
  }

  func testBracketSpacing() {
    XCTAssertEqual(expr("m[1]"), idx(n("m"), ix(i(1))))
    XCTAssertEqual(expr("f [1, 2]"), call("f", list(i(1), i(2))))
    XCTAssertEqual(expr("f x[1]"), call("f", idx(n("x"), ix(i(1)))))
    XCTAssertEqual(expr("f x [1]"), call("f", n("x"), list(i(1))))
  }

  func testMultiLineInsideBrackets() {
    XCTAssertEqual(
      stmts("e = (umap x\n    n_neighbors=15\n    min_dist=0.1)\ny = [1,\n  2,\n]"),
      [assign("e", call("umap", n("x"), kw: ["n_neighbors": i(15), "min_dist": f(0.1)])), assign("y", list(i(1), i(2)))])
  }

  func testCallRanges() throws {
    let p = try parse("e = umap x n_neighbors=30")
    guard case .assign(_, _, .call(_, let nameRange, _, let kw, let r), _) = p.statements[0] else { return XCTFail("\(p)") }
    XCTAssertEqual(nameRange, R(1, 5, 4, 1, 9, 8))
    XCTAssertEqual(kw[0].nameRange, R(1, 12, 11, 1, 23, 22))
    XCTAssertEqual(kw[0].value.range, R(1, 24, 23, 1, 26, 25))
    XCTAssertEqual(r, R(1, 5, 4, 1, 26, 25))

    let q = try parse("f -1")
    guard case .expr(.call(_, _, let args, _, _)) = q.statements[0] else { return XCTFail("\(q)") }
    XCTAssertEqual(args[0].range, R(1, 3, 2, 1, 5, 4))

    let m = try parse("x = 1\n  y = f (a\n b)")
    XCTAssertEqual(m.statements[1].range, R(2, 3, 8, 3, 4, 20))
  }

  // MARK: Errors

  func testErrorMessagesAndPositions() {
    assertError("e =", "expected an expression after '='", at: 1, 4)
    assertError("e = )", "expected an expression after '='", at: 1, 5)
    assertError("x = 1 +\ny = 2", "expected an expression after '+'", at: 1, 8)
    assertError(")", "unexpected ')'", at: 1, 1)
    assertError("x = 1)", "unexpected ')'", at: 1, 6)
    assertError("f (a\nb = 2", "unclosed '('", at: 1, 3)
    assertError("x = [1, 2", "unclosed '['", at: 1, 5)
    assertError("x = (1 + ", "unclosed '('", at: 1, 5)
    assertError("m[1 2]", "expected ']'", at: 1, 5)
    assertError("m[1, 2, 3]", "an index has at most two items: m[rows, columns]", at: 1, 7)
    assertError("m[]", "empty index; use m[:] to select everything", at: 1, 2)
    assertError("[1 2]", "expected ',' or ']'", at: 1, 4)
    assertError("(a b]", "expected ')'", at: 1, 5)
    assertError("f x n=1 y", "positional argument after keyword argument", at: 1, 9)
    assertError("f k=n+1", "'+' directly after the value of keyword argument 'k'; write k=(...) to pass an expression", at: 1, 6)
    XCTAssertEqual(expr("f k=(n+1)"), call("f", kw: ["k": bin(.add, n("n"), i(1))]))
    assertError("f n=1 n=2", "duplicate keyword argument 'n'", at: 1, 7)
    assertError("x = (n=3)", "keyword argument outside a call", at: 1, 6)
    assertError("a = b = 3", "assignments cannot be chained", at: 1, 7)
    assertError("m[0] = 3", "cannot assign to this expression; only a name can be assigned", at: 1, 1)
    assertError("a < b < c", "comparison operators cannot be chained; use 'and' or parentheses", at: 1, 7)
    assertError("x = m[0] y", "unexpected identifier 'y' (only a command name can take arguments)", at: 1, 10)
    assertError("a.1", "expected a field name after '.'", at: 1, 3)
    assertError("a.", "expected a field name after '.'", at: 1, 3)
    assertError("f n=", "expected an expression after '='", at: 1, 5)
    assertError("x = 1\ny = 2 ,", "unexpected ','", at: 2, 7)
    assertError("x = #", "expected an expression after '='", at: 1, 4)
    assertError("y = 1\nx = 3 $ 4", "unknown character '$'", at: 2, 7)
    assertError("x = 0x10", "bad number literal '0x10'", at: 1, 5)
    // the first error in the file: a syntax error in a statement before a lexical error (the lexical
    // one was reported, on the later line)
    assertError("x = 1 +\ny = 1e-400", "expected an expression after '+'", at: 1, 8)
    assertError("a = 1; b = ]\nc = @", "expected an expression after '='", at: 1, 12)
    assertError("for i in [1] {\n  x = i +\n}\ny = @", "expected an expression after '+'", at: 2, 10)
    // a lexical error inside an open statement stays the error (the cut never leaves a bracket open)
    assertError("x = (1 +\n 1e-400)", "number literal '1e-400' is below float64's smallest positive value (4.9e-324); write 0 for zero", at: 2, 2)
    assertError("for i in [1] {\n  x = $\n}", "unknown character '$'", at: 2, 7)
    assertError("y = 1\nx = 3 $ 4", "unknown character '$'", at: 2, 7)
    // a bracket opened on an earlier line and never closed is the error, not a bad character after it
    // (Python 3.11: "'[' was never closed"); closed later, the character is
    assertError("x = [1, 2\ny = @\n", "unclosed '['", at: 1, 5)
    // Python spellings clus lacks are named, not "expected an expression after '+'"
    assertError("x += 1", "'+=' is not part of clus: write x = x + …", at: 1, 3)
    assertError("x **= 2", "'**=' is not part of clus: write x = x ** …", at: 1, 3)
    assertError("y = 7 // 2", "'//' (floor division) is not part of clus: '/' divides (7 / 2 is 3.5)", at: 1, 7)
    assertError("v[::-1]", "a slice takes start:stop; a step (v[::2], v[::-1]) is not part of clus: index with a vector of positions", at: 1, 4)
    assertError("v[0:4:2]", "a slice takes start:stop; a step (v[::2], v[::-1]) is not part of clus: index with a vector of positions", at: 1, 6)
    // an empty step is Python's default: v[::] and v[0:2:] parse as v[:] and v[0:2]
    XCTAssertNoThrow(try parse("v[::]\nv[0:2:]\nm[1::, ::]"))
    // spaced apart they are two operators as before
    assertError("x = 1 + = 2", "expected an expression after '+'", at: 1, 9)
    assertError("x = f(1,\n  [2,\n y = @ $ 3\n", "unclosed '['", at: 2, 3)
    assertError("x = [1,\n  $2]\n", "unknown character '$'", at: 2, 3)
    assertError("x = [1, $\n", "unknown character '$'", at: 1, 9)
  }

  /// A call with arguments followed by an operator never silently means `(call) op rest`.
  func testCallBeforeAnOperatorIsAnErrorShowingBothReadings() {
    let msg = "a command call before an operator is ambiguous (its arguments end at the operator): write "
    assertError("count l == 1", msg + "(count l) == 1 or count (l == 1)", at: 1, 9)
    assertError("x = mean l >= 0", msg + "(mean l) >= 0 or mean (l >= 0)", at: 1, 12)
    assertError("print 1 + 1", msg + "(print 1) + 1 or print (1 + 1)", at: 1, 9)
    assertError("sum m > 0 and x", msg + "(sum m) > 0 and x or sum (m > 0 and x)", at: 1, 7)
    assertError("score l y == 1", msg + "(score l y) == 1 or score l (y == 1)", at: 1, 11)
    assertError("f k=n + 1", msg + "(f k=n) + 1 or f k=(n + 1)", at: 1, 7)
    assertError("a + f x - 1", msg + "(f x) - 1 or f (x - 1)", at: 1, 9)
    // inside brackets the readings stop at the bracket
    assertError("m[count l == 1]", msg + "(count l) == 1 or count (l == 1)", at: 1, 11)
    assertError("print (count l == 1) 2", msg + "(count l) == 1 or count (l == 1)", at: 1, 16)
    // what stays valid
    XCTAssertEqual(expr("score (hdbscan e) y"), call("score", call("hdbscan", n("e")), n("y")))
    XCTAssertEqual(expr("count (l == 1)"), call("count", bin(.eq, n("l"), i(1))))
    XCTAssertEqual(expr("(print 1) + 1"), bin(.add, call("print", i(1)), i(1)))
    XCTAssertEqual(expr("n + 1"), bin(.add, n("n"), i(1)))
  }

  func testForLoops() {
    let body = [assign("l", call("hdbscan", n("e"), kw: ["min_cluster_size": n("k")])), .expr(call("print", n("k"), fld(n("l"), "n_clusters")))]
    let expected = Stmt.forLoop(name: "k", nameRange: Z, sequence: list(i(5), i(10), i(20)), body: body, quiet: [], range: Z)
    XCTAssertEqual(stmts("for k in [5, 10, 20] { l = hdbscan e min_cluster_size=k; print k l.n_clusters }"), [expected])
    XCTAssertEqual(stmts("for k in [5, 10,\n 20] {\n  l = hdbscan e min_cluster_size=k\n\n  print k l.n_clusters\n}\nk"), [expected, .expr(n("k"))])
    // `x;` at a line's end inside the body hides its value; loops nest; an empty body is fine
    XCTAssertEqual(stmts("for a in b {\n a * 2;\n for c in a { c }\n}"), [forLoop("a", n("b"), .expr(bin(.mul, n("a"), i(2))), forLoop("c", n("a"), .expr(n("c"))), quiet: [0])])
    XCTAssertEqual(stmts("for x in (f y) {}"), [forLoop("x", call("f", n("y")))])
    // elsewhere `for` and `in` are names
    XCTAssertEqual(stmts("for = 1; in = for + 1"), [assign("for", i(1)), assign("in", bin(.add, n("for"), i(1)))])
    // the ranges point into the source
    let p = try? parse("for k in ks {\n  k\n}")
    guard case .forLoop(_, let nr, let seq, let b, _, let r)? = p?.statements.first else { return XCTFail("\(String(describing: p))") }
    XCTAssertEqual(nr, R(1, 5, 4, 1, 6, 5))
    XCTAssertEqual(seq.range, R(1, 10, 9, 1, 12, 11))
    XCTAssertEqual(b.first?.range, R(2, 3, 16, 2, 4, 17))
    XCTAssertEqual(r, R(1, 1, 0, 3, 2, 19))
    // continuation lines in the REPL while the body is open
    XCTAssertFalse(Parser.isComplete("for k in [1, 2] {"))
    XCTAssertFalse(Parser.isComplete("for k in [1, 2] {\n  print k"))
    XCTAssertTrue(Parser.isComplete("for k in [1, 2] {\n  print k\n}"))
    // errors
    assertError("for k in [1, 2] print k", "expected '{' after the list of a for loop: for k in [1, 2] { ... }", at: 1, 17)
    assertError("for k in [1, 2] {\n print k", "unclosed '{'", at: 1, 17)
    assertError("for k in [1, 2] { print k } x", "unexpected identifier 'x'", at: 1, 29)
    assertError("}", "unexpected '}'", at: 1, 1)
    assertError("for k in [1] { x = }", "expected an expression after '='", at: 1, 20)
  }

  func testNestingLimit() {
    XCTAssertEqual(expr(String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)), i(1))
    let nesting = "expression nested too deeply (limit 200 levels of brackets, prefix operators and calls)"
    assertError(String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500), nesting, at: 1, 201)
    assertError("x = " + String(repeating: "-", count: 1000) + "1", nesting, at: 1, 204)
    assertError(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), nesting, at: 1, 201)
  }

  /// Chains are built by loops, not recursion, so only an explicit limit keeps their trees shallow
  /// enough to evaluate and free; the parser stops at the operator that goes too deep.
  func testLongChainsStopAtTheTreeDepthLimit() {
    let chain = "expression nested too deeply (limit 1000 levels, each operator of a chain counting as one); split it into several statements"
    let ok = Array(repeating: "1", count: 999).joined(separator: "+")
    XCTAssertEqual(try parse(ok).statements.count, 1)
    // the 1000th '+' makes the tree 1001 levels deep: it is at column 2 * 1000
    assertError(Array(repeating: "1", count: 100_000).joined(separator: "+"), chain, at: 1, 2000)
    assertError("x = " + Array(repeating: "1", count: 90_000).joined(separator: " * "), chain, at: 1, 4003)
    assertError("a" + String(repeating: ".b", count: 100_000), chain, at: 1, 2000)
    assertError("a" + String(repeating: "[0]", count: 100_000), chain, at: 1, 2999)
    assertError(Array(repeating: "a", count: 5000).joined(separator: " and "), chain, at: 1, 5997)
    // wrappers around a chain of 999 are caught once the whole expression is parsed
    assertError("-(-(\(ok)))", chain, at: 1, 1)
  }

  func testRenderedDiagnostics() {
    func rendered(_ text: String) -> String? {
      diag(text).map { $0.render(in: SourceFile(name: "mnist.clus", text: text)) }
    }
    // a very long line shows a window around the caret
    let long = Array(repeating: "1", count: 5000).joined(separator: "+")
    XCTAssertEqual(
      rendered(long),
      "mnist.clus:1:2000: error: expression nested too deeply (limit 1000 levels, each operator of a chain counting as one); split it into several statements\n…"
        + String(repeating: "+1", count: 80) + "…\n" + String(repeating: " ", count: 41) + "^")
    XCTAssertEqual(rendered("x = " + String(repeating: "a", count: 300) + " +"), "mnist.clus:1:307: error: expected an expression after '+'\n…" + String(repeating: "a", count: 158) + " +\n" + String(repeating: " ", count: 161) + "^")
    // CRLF line ends: the line is still shown ("\r\n" is a single Character in Swift)
    XCTAssertEqual(
      rendered("x = 1\r\ne = umap x n_neighbors=\r\n"),
      """
      mnist.clus:2:24: error: expected an expression after '='
      e = umap x n_neighbors=
                             ^
      """)
    XCTAssertEqual(
      rendered("d = load \"mnist\"\ne = umap d.data n_neighbors=\n"),
      """
      mnist.clus:2:29: error: expected an expression after '='
      e = umap d.data n_neighbors=
                                  ^
      """)
    XCTAssertEqual(
      rendered("x = 1\ns = score (hdbscan e\n  min_cluster_size=5"),
      """
      mnist.clus:2:11: error: unclosed '('
      s = score (hdbscan e
                ^
      """)
    XCTAssertEqual(
      rendered("umap x n_neighbors=30 mnist.data"),
      """
      mnist.clus:1:23: error: positional argument after keyword argument
      umap x n_neighbors=30 mnist.data
                            ^~~~~~~~~~
      """)
  }

  /// The caret stands under the error's column as a terminal shows the line: a CJK character or an
  /// emoji takes two columns, a combining mark none, a tab is copied as before; `line:col` still
  /// counts Unicode scalars.
  func testCaretUnderWideCharacters() {
    func rendered(_ text: String) -> String? {
      diag(text).map { $0.render(in: SourceFile(name: "t.clus", text: text)) }
    }
    // column 12 is the 15th screen column: "日本語" is 3 scalars on 6 columns
    XCTAssertEqual(
      rendered("x = \"日本語\" +"),
      "t.clus:1:12: error: expected an expression after '+'\nx = \"日本語\" +\n" + String(repeating: " ", count: 14) + "^")
    // an emoji before the error
    XCTAssertEqual(
      rendered("s = \"🙂\" ! 1"),
      "t.clus:1:9: error: unknown character '!' (use 'not' for negation, '!=' for inequality)\ns = \"🙂\" ! 1\n"
        + String(repeating: " ", count: 9) + "^")
    // a combining accent (e + U+0301) takes no column; a tab is kept, so the caret reaches the same tab stop
    XCTAssertEqual(
      rendered("s = \"e\u{301}\" ! 1")?.components(separatedBy: "\n").last,
      String(repeating: " ", count: 8) + "^")
    XCTAssertEqual(
      rendered("\ts = \"日\" ! 1")?.components(separatedBy: "\n").last,
      "\t" + String(repeating: " ", count: 9) + "^")
    // the underline of a wide character is two columns, of a range with wide characters their width
    XCTAssertEqual(
      rendered("x = 1 + 日本"),
      "t.clus:1:9: error: unknown character '日'\nx = 1 + 日本\n" + String(repeating: " ", count: 8) + "^~")
    XCTAssertEqual(
      rendered("s = \"日本語"),
      "t.clus:1:5: error: unterminated string\ns = \"日本語\n    ^~~~~~~")
  }

  /// Terminal columns per scalar: East Asian Wide and Fullwidth 2, emoji pictures 2, combining and
  /// format characters 0, the rest (ambiguous ones, a flag's regional indicators, the soft hyphen) 1.
  func testDisplayWidth() {
    let widths: [(Unicode.Scalar, Int)] = [
      ("a", 1), ("é", 1), ("\u{00AD}", 1), ("…", 1), ("\u{FFFD}", 1), ("→", 1), ("\u{3248}", 1), ("\u{1F1EF}", 1),
      ("日", 2), ("あ", 2), ("한", 2), ("Ａ", 2), ("\u{3000}", 2), ("\u{20BB7}", 2), ("🙂", 2), ("⌚", 2), ("\u{1F7E0}", 2),
      ("\u{301}", 0), ("\u{20DD}", 0), ("\u{200D}", 0), ("\u{FE0F}", 0), ("\u{302A}", 0),
    ]
    for (s, w) in widths { XCTAssertEqual(displayWidth(s), w, "U+\(String(s.value, radix: 16, uppercase: true))") }
  }

  // MARK: REPL support

  func testIsComplete() {
    XCTAssertTrue(Parser.isComplete("e = umap x"))
    XCTAssertTrue(Parser.isComplete(""))
    XCTAssertFalse(Parser.isComplete("e = (umap x"))
    XCTAssertFalse(Parser.isComplete("m[0:10,"))
    XCTAssertTrue(Parser.isComplete("e = (umap x\n n=1)"))
    XCTAssertFalse(Parser.isComplete("load \"data/mn"))
    XCTAssertFalse(Parser.isComplete("load 'a\\"))
    XCTAssertTrue(Parser.isComplete("load \"data\" # (unclosed in a comment"))
    XCTAssertTrue(Parser.isComplete("x = 1)"))
    XCTAssertTrue(Parser.isComplete("(x]"))
    XCTAssertTrue(Parser.isComplete("(@"))
  }

  func testCompletionContext() {
    func ctx(_ line: String) -> CompletionContext { Parser.completionContext(line, cursor: line.utf8.count) }
    XCTAssertEqual(ctx("umap x n_nei"), .parameter(command: "umap", prefix: "n_nei"))
    XCTAssertEqual(ctx("umap x "), .parameter(command: "umap", prefix: ""))
    XCTAssertEqual(ctx("e = umap x n_neighbors=30 min"), .parameter(command: "umap", prefix: "min"))
    XCTAssertEqual(ctx("mnist.da"), .field(baseExpressionText: "mnist", prefix: "da"))
    XCTAssertEqual(ctx("e = umap mnist."), .field(baseExpressionText: "mnist", prefix: ""))
    XCTAssertEqual(ctx("x = r[0:10].a.b"), .field(baseExpressionText: "r[0:10].a", prefix: "b"))
    XCTAssertEqual(ctx("load \"data/mn"), .path(prefix: "data/mn"))
    XCTAssertEqual(ctx("x = 1; load 'a\\tb"), .path(prefix: "a\tb"))
    XCTAssertEqual(ctx("e = um"), .commandOrVariable(prefix: "um"))
    XCTAssertEqual(ctx("umap mn"), .commandOrVariable(prefix: "mn"))
    XCTAssertEqual(ctx(""), .commandOrVariable(prefix: ""))
    XCTAssertEqual(ctx("x = 1; va"), .commandOrVariable(prefix: "va"))
    XCTAssertEqual(ctx("score (hdbscan e min_c"), .parameter(command: "hdbscan", prefix: "min_c"))
    XCTAssertEqual(ctx("score (hdbscan e) "), .parameter(command: "score", prefix: ""))
    XCTAssertEqual(ctx("plot e labels="), .commandOrVariable(prefix: ""))
    XCTAssertEqual(ctx("plot e labels=l"), .commandOrVariable(prefix: "l"))
    XCTAssertEqual(ctx("sum m > 0 and no"), .commandOrVariable(prefix: "no"))
    // inside a `for` body, completion works as at a statement's start
    XCTAssertEqual(ctx("for k in [1, 2] { l = hdbscan e min_"), ctx("l = hdbscan e min_"))
    XCTAssertEqual(ctx("for k in [1, 2] { l = hdb"), ctx("l = hdb"))
    XCTAssertEqual(ctx("for k in [1, 2] { x = 1 }; hdb"), ctx("hdb"))
    XCTAssertEqual(ctx("x = [a, b"), .commandOrVariable(prefix: "b"))
    XCTAssertEqual(ctx("m[0:n"), .commandOrVariable(prefix: "n"))
    XCTAssertEqual(ctx("x = 3"), .none)
    XCTAssertEqual(ctx("x = m[0] "), .none)
    XCTAssertEqual(ctx("f (x)"), .none)
    XCTAssertEqual(ctx("x = @"), .none)
    // The cursor is a UTF-8 offset; only the text before it counts.
    XCTAssertEqual(Parser.completionContext("umap x n_nei rest", cursor: 12), .parameter(command: "umap", prefix: "n_nei"))
    XCTAssertEqual(Parser.completionContext("t = 'é' ; mn", cursor: 14), .commandOrVariable(prefix: "mn"))
    XCTAssertEqual(Parser.completionContext("mnist.data", cursor: 8), .field(baseExpressionText: "mnist", prefix: "da"))
  }
}
