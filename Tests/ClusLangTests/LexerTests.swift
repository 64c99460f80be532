import XCTest
@testable import ClusLang

final class LexerTests: XCTestCase {
  private func kinds(_ src: String, file: StaticString = #filePath, line: UInt = #line) -> [TokenKind] {
    do {
      return try Lexer.tokenize(src).map { $0.kind }
    } catch {
      XCTFail("unexpected error \(error)", file: file, line: line)
      return []
    }
  }

  private func lexError(_ src: String, file: StaticString = #filePath, line: UInt = #line) -> Diagnostic? {
    do {
      _ = try Lexer.tokenize(src)
      XCTFail("expected a lexical error", file: file, line: line)
    } catch let d as Diagnostic {
      return d
    } catch {
      XCTFail("unexpected error type \(error)", file: file, line: line)
    }
    return nil
  }

  func testPipelineLine() {
    XCTAssertEqual(
      kinds("e = umap mnist.data n_neighbors=30 min_dist=0"),
      [
        .identifier("e"), .assign, .identifier("umap"), .identifier("mnist"), .dot, .identifier("data"),
        .identifier("n_neighbors"), .assign, .int(30), .identifier("min_dist"), .assign, .int(0), .eof,
      ])
  }

  func testOperatorsAndPunctuation() {
    XCTAssertEqual(
      kinds("( ) [ ] , ; : . = == != < <= > >= + - * /"),
      [
        .lparen, .rparen, .lbracket, .rbracket, .comma, .semicolon, .colon, .dot, .assign, .eq, .ne, .lt, .le,
        .gt, .ge, .plus, .minus, .star, .slash, .eof,
      ])
    XCTAssertEqual(kinds("a<=b"), [.identifier("a"), .le, .identifier("b"), .eof])
  }

  func testReservedWords() {
    XCTAssertEqual(
      kinds("true false none and or not nothing android"),
      [.kwTrue, .kwFalse, .kwNone, .kwAnd, .kwOr, .kwNot, .identifier("nothing"), .identifier("android"), .eof])
  }

  func testNumbers() {
    XCTAssertEqual(kinds("42 70_000 0"), [.int(42), .int(70000), .int(0), .eof])
    XCTAssertEqual(kinds("1.5 1e-3 2.5E+2 .5 1_000.25 3e2"), [
      .float(1.5), .float(0.001), .float(250), .float(0.5), .float(1000.25), .float(300), .eof,
    ])
    // `.5` is a number only when not glued to a name or a closing bracket.
    XCTAssertEqual(kinds("a.b"), [.identifier("a"), .dot, .identifier("b"), .eof])
    XCTAssertEqual(kinds("m[.5]"), [.identifier("m"), .lbracket, .float(0.5), .rbracket, .eof])
    // `inf` is a number (the default `help` shows for cluster_selection_epsilon_max); `nan` too
    XCTAssertEqual(kinds("x=inf infinity"), [.identifier("x"), .assign, .float(.infinity), .identifier("infinity"), .eof])
    guard case .float(let v)? = kinds("nan").first else { return XCTFail("nan is not a number") }
    XCTAssertTrue(v.isNaN)
  }

  func testStringsAndEscapes() {
    XCTAssertEqual(kinds(#""a\n\t\\\"\'b" 'it''s'"#), [.string("a\n\t\\\"'b"), .string("it"), .string("s"), .eof])
    XCTAssertEqual(kinds(#""\u{e9}\u{1F600}""#), [.string("é😀"), .eof])
    XCTAssertEqual(kinds("'say \"hi\"'"), [.string("say \"hi\""), .eof])
    // A string may span lines.
    XCTAssertEqual(kinds("\"a\nb\""), [.string("a\nb"), .eof])
  }

  func testCommentsAndNewlines() {
    XCTAssertEqual(
      kinds("a = 1 # set a\n\n# only a comment\nb;c"),
      [.identifier("a"), .assign, .int(1), .newline, .newline, .newline, .identifier("b"), .semicolon, .identifier("c"), .eof])
  }

  func testNewlinesInsideBracketsAreIgnored() {
    XCTAssertEqual(
      kinds("f (a\n  b) [1,\n 2]\nx"),
      [
        .identifier("f"), .lparen, .identifier("a"), .identifier("b"), .rparen, .lbracket, .int(1), .comma,
        .int(2), .rbracket, .newline, .identifier("x"), .eof,
      ])
  }

  func testRangesAndText() throws {
    let toks = try Lexer.tokenize("x = \"é\" + 12\n  mnist.data")
    XCTAssertEqual(toks.map { $0.text }, ["x", "=", "\"é\"", "+", "12", "\n", "mnist", ".", "data", ""])
    // Columns count scalars, offsets count UTF-8 bytes ("é" is two bytes).
    XCTAssertEqual(toks[2].range, R(1, 5, 4, 1, 8, 8))
    XCTAssertEqual(toks[3].range, R(1, 9, 9, 1, 10, 10))
    XCTAssertEqual(toks[4].range, R(1, 11, 11, 1, 13, 13))
    XCTAssertEqual(toks[5].range, R(1, 13, 13, 2, 1, 14))
    XCTAssertEqual(toks[6].range, R(2, 3, 16, 2, 8, 21))
    XCTAssertEqual(toks[8].range, R(2, 9, 22, 2, 13, 26))
    XCTAssertEqual(toks[9].range, R(2, 13, 26, 2, 13, 26))
  }

  func testSpaceBefore() throws {
    let toks = try Lexer.tokenize("f -1 a-b m[0] g [1]")
    XCTAssertEqual(toks.map { $0.spaceBefore }, [true, true, false, true, false, false, true, false, false, false, true, true, false, false, false])
  }

  func testErrors() {
    var d = lexError("a = 1\nb = $x")
    XCTAssertEqual(d?.message, "unknown character '$'")
    XCTAssertEqual(d?.range, R(2, 5, 10, 2, 6, 11))

    d = lexError("x = 12ab + 1")
    XCTAssertEqual(d?.message, "bad number literal '12ab'")
    XCTAssertEqual(d?.range, R(1, 5, 4, 1, 9, 8))
    // a point after digits with nothing after it, or before an exponent, is a float as in Python
    // (`2.` and `1.e5` were refused); a name or another point after it is still an error
    XCTAssertEqual(kinds("x = 2."), [.identifier("x"), .assign, .float(2), .eof])
    XCTAssertEqual(kinds("[1.e5, 3.E-1, 4.)"), [.lbracket, .float(1e5), .comma, .float(0.3), .comma, .float(4), .rparen, .eof])
    XCTAssertEqual(lexError("x = 2.x")?.message, "bad number literal '2.x'")
    XCTAssertEqual(lexError("x = 1..2")?.message, "bad number literal '1..2'")
    XCTAssertEqual(lexError("x = 1.5.3")?.message, "bad number literal '1.5.3'")
    XCTAssertEqual(lexError("x = 1__0")?.message, "bad number literal '1__0'")
    XCTAssertEqual(lexError("x = 10_")?.message, "bad number literal '10_'")
    XCTAssertEqual(lexError("x = 1e")?.message, "bad number literal '1e'")
    XCTAssertEqual(lexError("x = 99999999999999999999")?.message, "integer literal '99999999999999999999' is too large")
    // a float literal beyond float64 is said so (Python would read it as inf; clus has inf for that)
    d = lexError("p = 1e309")
    XCTAssertEqual(d?.message, "number literal '1e309' is beyond float64's range (±1.8e308); write inf for infinity")
    XCTAssertEqual(d?.range, R(1, 5, 4, 1, 10, 9))
    // one that rounds to 0 is said so too; an exact zero and the smallest subnormal are read
    d = lexError("p = 1e-400")
    XCTAssertEqual(d?.message, "number literal '1e-400' is below float64's smallest positive value (4.9e-324); write 0 for zero")
    XCTAssertEqual(d?.range, R(1, 5, 4, 1, 11, 10))
    XCTAssertNotNil(lexError("x = 2.5e-330"))
    XCTAssertEqual(expr("0e-400 + 4.9e-324"), bin(.add, f(0), f(4.9e-324)))
    XCTAssertEqual(expr("0.000e5"), f(0))

    d = lexError("load \"data/mn\nx = 1")
    XCTAssertEqual(d?.message, "unterminated string")
    XCTAssertEqual(d?.range.start, L(1, 6, 5))
    XCTAssertEqual(d?.range.end, L(2, 6, 19))

    d = lexError(#"s = "a\qb""#)
    XCTAssertEqual(d?.message, #"unknown escape sequence '\q'"#)
    XCTAssertEqual(d?.range, R(1, 7, 6, 1, 9, 8))
    XCTAssertEqual(lexError(#"s = "\u{110000}""#)?.message, "invalid unicode escape (expected \\u{XXXX} with 1 to 8 hex digits)")
    XCTAssertEqual(lexError(#"s = "\u00e9""#)?.range.start.column, 6)

    XCTAssertEqual(lexError("a ! b")?.message, "unknown character '!' (use 'not' for negation, '!=' for inequality)")
    // numpy's and pandas' operators clus spells as words or lacks are named
    for (code, hint) in [
      ("m & k", "'&' (use 'and', which works element-wise on bool vectors)"), ("m | k", "'|' (use 'or', which works element-wise on bool vectors)"),
      ("~m", "'~' (use 'not', which works element-wise on bool vectors)"), ("a % 2", "'%' (clus has no modulo operator)"),
      ("a ^ 2", "'^' (use '**' for a power; clus has no exclusive or)"), ("a @ b", "'@' (clus has no matrix product operator)"),
      // pasted from a word processor or a web page: curly quotes, and invisible characters by their code
      ("x = \u{201C}a\u{201D}", "'\u{201C}' (a curly quote: write strings with straight quotes \" or ')"),
      ("x =\u{200B} 1", "'U+200B' (a zero-width space, invisible in most editors: delete it)"),
      ("x =\u{A0}1", "'U+A0' (a no-break space: replace it with a space)"),
    ] {
      XCTAssertEqual(lexError(code)?.message, "unknown character " + hint)
    }
  }

  /// A binary file run as a script: its control bytes are shown as U+FFFD, one per byte, with the caret
  /// under the column the error names, and no raw control byte reaches the terminal.
  func testControlCharactersAreNotWrittenRaw() {
    let src = "\u{7F}ELF\u{02}\u{01} x"
    guard let d = lexError(src) else { return XCTFail("no error") }
    XCTAssertEqual(
      d.render(in: SourceFile(name: "a.out", text: src)),
      "a.out:1:1: error: unknown character 'U+7F'\n\u{FFFD}ELF\u{FFFD}\u{FFFD} x\n^")
  }

  func testUnterminatedStringRendering() {
    let src = "x = 1\nload \"data/mnist"
    guard let d = lexError(src) else { return }
    XCTAssertEqual(
      d.render(in: SourceFile(name: "t.clus", text: src)),
      """
      t.clus:2:6: error: unterminated string
      load "data/mnist
           ^~~~~~~~~~~
      """)
  }
}
