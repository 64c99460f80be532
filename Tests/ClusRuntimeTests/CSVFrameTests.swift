import Foundation
import XCTest
import ClusAlgorithms
@testable import ClusRuntime

/// CSV/TSV read as pandas.read_csv reads them: header, delimiter, missing values, numbers, quotes,
/// chosen columns, text columns as categories, and the data frame value in the language.
final class CSVFrameTests: DataFileTestCase {
  func write(_ name: String, _ text: String) -> String {
    let p = dir + "/" + name
    _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
    return p
  }

  func load(_ path: String, _ o: CSVOptions = CSVOptions(), notes: inout [String]) throws -> LoadedData {
    var n: [String] = []
    defer { notes = n }
    return try loadData(path: path, csv: o, warn: { _ in }, note: { n.append($0) })
  }

  func load(_ path: String, _ o: CSVOptions = CSVOptions()) throws -> LoadedData {
    var n: [String] = []
    return try load(path, o, notes: &n)
  }

  func table(_ d: LoadedData, line: UInt = #line) -> Table? {
    if case .table(let t) = d { return t }
    XCTFail("expected a table, got \(d)", line: line)
    return nil
  }

  /// Asserts a `DataFileError` of `kind` whose text holds every fragment.
  func assertFails(_ path: String, _ kind: DataFileError.Kind, _ fragments: [String], options o: CSVOptions = CSVOptions(),
                   line: UInt = #line) {
    do {
      let v = try load(path, o)
      XCTFail("expected an error, loaded \(v)", line: line)
    } catch let e as DataFileError {
      XCTAssertEqual(e.kind, kind, e.description, line: line)
      for f in fragments { XCTAssertTrue(e.description.contains(f), "'\(e.description)' lacks '\(f)'", line: line) }
    } catch {
      XCTFail("unexpected error \(error)", line: line)
    }
  }

  func testHeaderAutoTrueFalse() throws {
    let p = write("years.csv", "2019,2020\n1,2\n")
    var notes: [String] = []
    // auto: a numeric first row is data, and a note says so
    XCTAssertEqual(try load(p, notes: &notes), .matrix(Matrix(rows: 2, cols: 2, data: [2019, 2020, 1, 2])))
    XCTAssertEqual(notes, ["\(p): first row is numeric, read as data (header=true to use it as column names)"])
    // header=true: the names
    let t = try XCTUnwrap(table(try load(p, CSVOptions(header: .yes), notes: &notes)))
    XCTAssertEqual(t.names, ["2019", "2020"])
    XCTAssertEqual(t.data, Matrix(rows: 1, cols: 2, data: [1, 2]))
    XCTAssertEqual(notes, [])
    // a text first row is the header, without a note
    let h = write("h.csv", "a,b\n1,2\n")
    XCTAssertEqual(table(try load(h, notes: &notes))?.names, ["a", "b"])
    XCTAssertEqual(notes, [])
    // header=false: the names row is data, and its column becomes text; columns are named 0, 1
    let f = try XCTUnwrap(table(try load(h, CSVOptions(header: .no))))
    XCTAssertEqual(f.names, ["0", "1"])
    XCTAssertEqual(f.kinds, [.text, .text])
    XCTAssertEqual(f.text[0], TextColumn(codes: [1, 0], categories: ["1", "a"]))
    // a first row of missing values and numbers is data
    XCTAssertEqual(try load(write("m.csv", "NA,1\n2,3\n"), notes: &notes).description, "matrix 2 × 2")
    XCTAssertEqual(notes.count, 1)
    // repeated names are numbered as pandas numbers them
    XCTAssertEqual(table(try load(write("dup.csv", "a,a,b\n1,2,3\n")))?.names, ["a", "a.1", "b"])
    // a repeated name skips the names the header has, as pandas 2.3's read_csv names them (its output
    // for each header); the file's own a.1 became a.1.1 and d["a.1"] gave the second a
    for (header, pandas) in [("a,a,,b,a.1", ["a", "a.2", "Unnamed: 2", "b", "a.1"]),
                             ("a,a,a,a.1,a.2", ["a", "a.3", "a.4", "a.1", "a.2"]),
                             ("a.1,a,a", ["a.1", "a", "a.2"]), ("x,x,x.1,x.1", ["x", "x.2", "x.1", "x.1.1"])] {
      let row = Array(repeating: "1", count: pandas.count).joined(separator: ",")
      XCTAssertEqual(table(try load(write("dups.csv", header + "\n" + row + "\n")))?.names, pandas, header)
    }
  }

  func testDelimiter() throws {
    XCTAssertEqual(try load(write("semi.txt", "1;2;3\n4;5;6\n")), .matrix(Matrix(rows: 2, cols: 3, data: [1, 2, 3, 4, 5, 6])))
    XCTAssertEqual(try load(write("pipe.dat", "a|b\n1|2\n")).description, "table 1 × 2 (a, b)")
    XCTAssertEqual(try load(write("tab.txt", "1\t2\n")), .matrix(Matrix(rows: 1, cols: 2, data: [1, 2])))
    // explicit: a .csv separated by semicolons with decimal points
    XCTAssertEqual(try load(write("eu.csv", "1.5;2\n"), CSVOptions(delimiter: 0x3B)),
                   .matrix(Matrix(rows: 1, cols: 2, data: [1.5, 2])))
    // the comma default of .csv reads "1.5;2" as one text cell: a header and no rows
    assertFails(write("eu2.csv", "1.5;2\n"), .empty, ["header row but no data rows"])
  }

  func testMissingValues() throws {
    let p = write("na.csv", "a,b,c\n1,NA,x\n,3,NULL\nnull,-999,y\nnan,N/A,x\n")
    let t = try XCTUnwrap(table(try load(p, CSVOptions(naValues: ["-999"]))))
    XCTAssertEqual(t.kinds, [.float, .float, .text])
    let d = t.data.data
    XCTAssertEqual(d.count, 8)
    XCTAssertEqual(d[0], 1)
    XCTAssertTrue(d[1].isNaN)  // NA
    XCTAssertTrue(d[2].isNaN)  // empty
    XCTAssertEqual(d[3], 3)
    XCTAssertTrue(d[4].isNaN && d[5].isNaN && d[6].isNaN && d[7].isNaN)  // null, -999, nan, N/A
    XCTAssertEqual(t.text[0], TextColumn(codes: [0, -1, 1, 0], categories: ["x", "y"]))
    // without na_values=, -999 is a number; an empty cell in a header-less file is NaN, not an error
    XCTAssertEqual(table(try load(p))?.data.data[5], -999)
    if case .matrix(let m) = try load(write("cell.tsv", "1\t2\n3\t\n")) {
      XCTAssertEqual(Array(m.data[0...2]), [1, 2, 3])
      XCTAssertTrue(m.data[3].isNaN)
    } else { XCTFail("expected a matrix") }
  }

  func testNumbersAsPandasReadsThem() throws {
    let t = try XCTUnwrap(table(try load(write("n.csv", "v\n1.5\n.5\n5.\n-2E+02\n+3\ninf\n-Infinity\nNaN\n1e-3\n"))))
    let d = t.data.data
    XCTAssertEqual(Array(d[0..<7]), [1.5, 0.5, 5, -200, 3, .infinity, -.infinity])
    XCTAssertTrue(d[7].isNaN)
    XCTAssertEqual(d[8], 0.001)
    XCTAssertEqual(t.kinds, [.float])
    // C-only forms are not numbers: hexadecimal, nan(…), a bare exponent, Fortran's d; beside a number
    // they make the column text, as pandas' object column of the strings (it was an error: the file
    // could not be read), with a warning naming the first
    for bad in ["0x10", "0x1p3", "nan(1)", "1e", "1d3", "1_000"] {
      var warnings: [String] = []
      let p = write("c.csv", "v\n1\n\(bad)\n2\n")
      let t = try XCTUnwrap(table(try loadData(path: p, warn: { warnings.append($0) })))
      XCTAssertEqual(t.kinds, [.text])
      XCTAssertEqual(t.text[0].categories, ["1", bad, "2"].sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
      XCTAssertEqual(t.text[0].codes.map { t.text[0].categories[$0] }, ["1", bad, "2"])
      XCTAssertEqual(warnings, ["\(p): column 1 ('v') holds numbers and text ('\(bad)' on line 3), so it is read as text (categories, its "
                                + "numbers as written), as pandas reads an object column; na_values= makes a spelling of a missing value missing instead"])
    }
    // booleans beside numbers, both orders: text too (they were read as 1 and 0 in silence)
    for (file, values) in [("a\nTrue\n2.5\n", ["True", "2.5"]), ("a\n1\n0\nTrue\n", ["1", "0", "True"])] {
      var warnings: [String] = []
      let t = try XCTUnwrap(table(try loadData(path: write("b.csv", file), warn: { warnings.append($0) })))
      XCTAssertEqual(t.text.first.map { c in c.codes.map { c.categories[$0] } }, values)
      XCTAssertTrue(warnings.first?.contains("holds numbers and booleans") ?? false, "\(warnings)")
    }
    // a number beyond float32's range is shown as written, with its column's name only when the
    // file has a header (without one, the automatic name '1' of column 2 only confused)
    assertFails(write("o.csv", "a,b\n1,2\n3,1e999\n"), .outOfRange, ["o.csv:3: the number '1e999' in column 2 ('b') is beyond"])
    assertFails(write("o.csv", "1,2\n3,-4e39\n"), .outOfRange, ["o.csv:2: the number '-4e39' in column 2 is beyond"])
    XCTAssertEqual(table(try load(write("c.csv", "1,2\n3,x\n")))?.kinds, [.int, .text])
    // a column that starts with hexadecimal text is text, as pandas keeps it
    let h = try XCTUnwrap(table(try load(write("hex.csv", "a,b\n1,0x10\n2,0x20\n"))))
    XCTAssertEqual(h.kinds, [.int, .text])
    XCTAssertEqual(h.text[0].categories, ["0x10", "0x20"])
  }

  /// A cell's number is the correctly rounded double of its decimal text (fast_float), compared with
  /// glibc's strtod through Swift's `Double(String)`: the hard cases (halfway points, subnormals, more
  /// than 19 digits, the largest double) and 20,000 seeded random 17-digit numbers with exponents.
  func testDecimalCellsAreCorrectlyRounded() {
    var cells = ["0.1", "-0.0", ".5", "5.", "+2.5", "-.25", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
                 "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062328e-324",
                 "2.4703282292062327e-324", "9007199254740993.0", "9007199254740993.000000000000000000001",
                 "123456789012345678901234567890", "0.30000000000000004", "1.00000000000000011102230246251565404236316680908203125",
                 String(repeating: "7", count: 120) + "e-100", "0." + String(repeating: "0", count: 400) + "1e400", "7.0e-10"]
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
    for _ in 0..<20_000 {
      let digits = String(next() % 100_000_000_000_000_000)
      let point = Int(next() % UInt64(digits.count + 1))
      let exponent = Int(next() % 600) - 300
      var s = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
      if next() & 1 == 1 { s = "-" + s }
      if next() & 1 == 1 { s += "e\(exponent)" }
      cells.append(s)
    }
    for cell in cells {
      let bytes = Array(cell.utf8)
      let value = bytes.withUnsafeBufferPointer { parseCell($0.baseAddress!, 0, $0.count, na: NASet([])) }
      guard let expected = Double(cell) else { XCTFail(cell); continue }
      if Float(expected).isInfinite {
        XCTAssertEqual(value, .overflow, cell)
      } else if case .real(let v) = value {
        XCTAssertEqual(v.bitPattern, expected.bitPattern, cell)
      } else {
        XCTFail("\(cell): \(value)")
      }
    }
  }

  /// Values pandas.read_csv gives that clus changed in silence (a fresh-user pass; pandas 2.3 on the
  /// same files): "-0" in a float column is -0.0 (it was 0.0), in an int column 0; a column of
  /// integers beyond int64 that uint64 does not hold (20 digits, or beside a negative) is pandas'
  /// object column of the strings, so text here, written back as read (it was float64, rounded, with a
  /// warning that the column kept the numbers as read); one uint64 holds is float64 with a warning
  /// naming what pandas does; a headerless matrix says what float32 rounds.
  func testNumbersPandasKeepsAreKeptOrSaid() throws {
    func floats(_ d: LoadedData, _ k: Int) -> [Double] {
      guard case .table(let t) = d else { return [] }
      return t.exactFloats[k] ?? (0..<t.rows).map { shortestDecimal(t.data[$0, k]) }
    }
    let z = try load(write("z.csv", "x,y\n1.5,-0\n-0,1\n-0.0,2\n"))
    XCTAssertEqual(floats(z, 0).map { $0.sign }, [.plus, .minus, .minus])
    XCTAssertEqual(table(z)?.kinds, [.float, .int])
    XCTAssertEqual(table(z).map { t in (0..<3).map { t.data[$0, 1].sign } }, [.plus, .plus, .plus])
    // a one-column headerless file: a float64 vector
    guard case .doubleVector(let v) = try load(write("z1.csv", "-0\n0.5\n")) else { return XCTFail("not a vector") }
    XCTAssertEqual(v.map(\.sign), [.minus, .plus])

    for (file, cell, line) in [("x\n77941797032362897100\n5\n", "77941797032362897100", 2), ("x\n13168533789705334411\n-1\n", "13168533789705334411", 2),
                               ("x\n-9223372036854775809\n", "-9223372036854775809", 2), ("x\n12345678901234567890\n-0\n", "12345678901234567890", 2),
                               ("x\nNA\n13168533789705334411\n", "13168533789705334411", 3)] {
      var warnings: [String] = []
      let p = write("big.csv", file)
      let t = try XCTUnwrap(table(try loadData(path: p, warn: { warnings.append($0) })))
      XCTAssertEqual(t.kinds, [.text])
      XCTAssertEqual(t.text[0].codes.map { $0 < 0 ? "NA" : t.text[0].categories[$0] }, file.split(separator: "\n").dropFirst().map(String.init))
      XCTAssertEqual(warnings, ["\(p): column 1 ('x') holds integers beyond int64's range ('\(cell)' on line \(line)) beside negative or missing values, "
                                + "or beyond uint64's, so it is read as text (categories, its integers as written), as pandas reads an object column; "
                                + "float64 would round them"])
    }
    // integers only, all within uint64 (pandas: uint64): float64, said with the first value it changes
    var warnings: [String] = []
    let u = write("u.csv", "x\n9223372036854775808\n13168533789705334411\n1\n")
    XCTAssertEqual(table(try loadData(path: u, warn: { warnings.append($0) }))?.kinds, [.float])
    XCTAssertEqual(warnings, ["\(u): column 1 ('x') holds integers beyond int64's range (2^63 − 1), in which clus keeps integers: pandas reads it "
                              + "as uint64, clus as float64, which rounds them (13168533789705334411 on line 3 is kept as 13168533789705334784)"])
    // beside decimals: float64, as pandas reads it (pandas: an object column when an integer beyond uint64
    // comes before the first decimal, a quirk of its order of tries; said here either way)
    for file in ["x\n13168533789705334411\n1.5\n", "x\n-9223372036854775809\n2.5\n", "x\n1.5\n77941797032362897100\n"] {
      warnings = []
      XCTAssertEqual(table(try loadData(path: write("f.csv", file), warn: { warnings.append($0) }))?.kinds, [.float], file)
      XCTAssertTrue(warnings.contains { $0.contains("beside decimals it is read as float64, as pandas reads it, which rounds them") }, "\(warnings)")
    }
    // leading zeros do not count: int64, as pandas reads them (20 characters or more were float64, or text)
    let zeros = try XCTUnwrap(table(try load(write("z0.csv", "x,y\n00000000000000000007,-00009223372036854775808\n5,1\n"))))
    XCTAssertEqual(zeros.kinds, [.int, .int])
    XCTAssertEqual(zeros.exactInts[1], [Int.min, 1])
    // "-0" where only a missing value makes the column float: pandas' ints cast, 0.0
    XCTAssertEqual(floats(try load(write("zn.csv", "x,y\n-0,1\n,2\n")), 0).first?.sign, .plus)

    // a headerless numeric file is a float32 matrix: an int beyond 2^24 is a warning, other digits lost a note
    warnings = []
    let m = write("m.csv", "0.123456789,16777217\n1,2\n")
    XCTAssertNoThrow(try loadData(path: m, warn: { warnings.append($0) }))
    XCTAssertEqual(warnings, ["\(m): integers beyond 2^24 = 16,777,216 lose digits in the float32 matrix, in which clus keeps data "
                              + "(16777217 on line 1, column 2 is kept as 16777216)"])
    var notes: [String] = []
    let d = write("d.csv", "0.5,0.25\n1,0.123456789\n3,0.1\n")
    _ = try load(d, notes: &notes)
    XCTAssertEqual(notes.last, "\(d): numbers with more digits than float32 holds, in which clus keeps a matrix, are rounded (the first: "
                   + "0.123456789 on line 2, column 2, is kept as 0.12345679; pandas' float64 keeps them)")
    // decimals that float32's shortest digits give back (0.1, 1.3) lose nothing that was written: no note
    _ = try load(write("s.csv", "0.1,1.3\n2.5,1e-3\n"), notes: &notes)
    XCTAssertFalse(notes.contains { $0.contains("more digits than float32") && $0.contains("s.csv") }, "\(notes)")
    // float32 numbers written in full (numpy.savetxt's %.18e) lose nothing: no note
    _ = try load(write("e.csv", "\(Double(Float(1.2345679))),1.0\n2.5,3\n"), notes: &notes)
    XCTAssertFalse(notes.contains { $0.contains("more digits than float32") && $0.contains("e.csv") }, "\(notes)")
  }

  /// Fields separated by runs of spaces, as numpy.savetxt writes them by default (`%.18e`, one space)
  /// and numpy.loadtxt / pandas' `sep=r"\s+"` read them: detected in a .txt or .dat file whose first
  /// two lines split alike, or asked for with `delimiter="\\s+"` (such a file was one text column of
  /// whole lines, `.data` 2 × 0, with no word). Leading, trailing and repeated spaces and tabs separate
  /// nothing more; quoted fields keep their spaces; a file of text lines stays one column.
  func testFieldsSeparatedByRunsOfSpaces() throws {
    let saved = "1.000000000000000000e+00 2.500000000000000000e+00\n-3.000000000000000000e+00 4.000000000000000000e+00\n"
    guard case .matrix(let m) = try load(write("saved.txt", saved)) else { return XCTFail("not a matrix") }
    XCTAssertEqual([m.rows, m.cols], [2, 2])
    XCTAssertEqual(Array(m.data), [1, 2.5, -3, 4])
    let t = try XCTUnwrap(table(try load(write("w.dat", "a  b name\n  1 2   \"x y\"  \r\n3\t \t4 z\n\n"))))
    XCTAssertEqual(t.names, ["a", "b", "name"])
    XCTAssertEqual(Array(t.data.data), [1, 2, 3, 4])
    XCTAssertEqual(t.text[0].codes.map { t.text[0].categories[$0] }, ["x y", "z"])
    var o = CSVOptions()
    o.delimiter = 0x20
    o.whitespace = true
    guard case .matrix(let c) = try load(write("spaces.csv", "1 2\n3   4\n"), o) else { return XCTFail("not a matrix") }
    XCTAssertEqual(Array(c.data), [1, 2, 3, 4])
    // lines of text: one column, as before
    let lines = try XCTUnwrap(table(try load(write("notes.txt", "note\nhello world\nfoo\n"))))
    XCTAssertEqual(lines.text.first?.categories, ["foo", "hello world"])
    assertFails(write("ragged.txt", "1 2\n3 4\n5\n"), .raggedRow, ["ragged.txt:3: ragged row: expected 2 fields (as on line 1), found 1"])
    // the language: delimiter="\s+", as pandas' sep
    let c2 = Capture()
    XCTAssertTrue(c2.run("m = load \"\(write("s.csv", "1  2\n3 4\n"))\" delimiter=\"\\\\s+\"\nprint (shape m)"), c2.err)
    XCTAssertEqual(c2.out, "2 × 2\n")
  }

  func testQuotedFields() throws {
    let p = write("q.csv", "name,n\n\"a, \"\"b\"\"\",1\n\"multi\nline\",2\nplain,3\n")
    let t = try XCTUnwrap(table(try load(p)))
    XCTAssertEqual(t.text[0].categories, ["a, \"b\"", "multi\nline", "plain"])
    XCTAssertEqual(t.text[0].codes, [0, 1, 2])
    XCTAssertEqual(t.data, Matrix(rows: 3, cols: 1, data: [1, 2, 3]))
    // line numbers count the newline inside the quoted field: the ragged row is on line 6
    assertFails(write("r.csv", "name,n\n\"multi\nline\",2\nok,3\nbad\n"), .raggedRow, ["r.csv:5: ", "expected 2 fields", "found 1"])
    assertFails(write("u.csv", "a,b\n1,2\n3,\"open\n4,5\n"), .unterminatedQuote, ["u.csv:3: ", "column 3", "never closed"])
    // text after a closing quote is an error (it was dropped: "x"y read as x; pandas reads xy);
    // spaces and a CRLF line end after it are fine
    assertFails(write("j.csv", "name,n\n\"x\"y,1\n"), .unterminatedQuote, ["j.csv:2: ", "text after a closing quote at column 4"])
    let spaced = try XCTUnwrap(table(try load(write("s.csv", "name,n\r\n\"x\"  ,1\r\n\"y\" ,2\r\n"))))
    XCTAssertEqual(spaced.text[0].categories, ["x", "y"])
  }

  /// Text values are compared by their bytes, as pandas compares them: NFC "é", NFD "e\u{301}", "Å"
  /// and the Angstrom sign are four categories, sorted by code point (pandas: codes [2, 0, 2, 1, 3]),
  /// and saving writes each value's own bytes. Swift's String equality merged them into two
  /// categories and rewrote the file's bytes.
  func testCanonicallyEquivalentTextStaysDistinct() throws {
    let text = "name\n\u{E9}\ne\u{301}\n\u{E9}\n\u{C5}\n\u{212B}\n"
    let p = write("uni.csv", text)
    let t = try XCTUnwrap(table(try load(p)))
    XCTAssertEqual(t.text[0].codes, [2, 0, 2, 1, 3])
    XCTAssertEqual(t.text[0].categories.map { Array($0.utf8) }, [[0x65, 0xCC, 0x81], [0xC3, 0x85], [0xC3, 0xA9], [0xE2, 0x84, 0xAB]])
    let c = Capture(), out = p + ".out.csv"
    defer { try? FileManager.default.removeItem(atPath: out) }
    XCTAssertTrue(c.run("d = load \"\(p)\"\nsave d \"\(out)\"\nm = d.name == \"\u{E9}\""), c.err)
    XCTAssertEqual(FileManager.default.contents(atPath: out), Data(text.utf8))
    XCTAssertEqual(c.value("m").flatMap { if case .mask(let b) = $0 { return b }; return nil }, [true, false, true, false, false])
  }

  func testChosenColumns() throws {
    let p = write("iris.csv", "sepal_length,petal_length,species\n5.1,1.4,setosa\n7,4.7,versicolor\n6.3,6,virginica\n")
    let t = try XCTUnwrap(table(try load(p, CSVOptions(columns: [.name("species"), .index(1)]))))
    XCTAssertEqual(t.names, ["species", "petal_length"])
    XCTAssertEqual(t.data, Matrix(rows: 3, cols: 1, data: [1.4, 4.7, 6]))
    // all numeric chosen: the numeric matrix
    XCTAssertEqual(table(try load(p, CSVOptions(columns: [.index(0), .name("petal_length")])))?.data,
                   Matrix(rows: 3, cols: 2, data: [5.1, 1.4, 7, 4.7, 6.3, 6]))
    assertFails(p, .unknownColumn, ["iris.csv:1: ", "no column named 'petal_lenght'", "did you mean petal_length", "'species'"],
                options: CSVOptions(columns: [.name("petal_lenght")]))
    assertFails(p, .unknownColumn, ["no column 3", "0 to 2"], options: CSVOptions(columns: [.index(3)]))
    // a header-less numeric file: positions
    XCTAssertEqual(try load(write("m.csv", "1,2,3\n4,5,6\n"), CSVOptions(columns: [.index(2), .index(0)])),
                   .matrix(Matrix(rows: 2, cols: 2, data: [3, 1, 6, 4])))
  }

  func testTextColumnsAreCategories() throws {
    let p = write("iris.csv", "sepal_length,species\n5.1,setosa\n7,versicolor\n4.9,setosa\n6.3,virginica\n")
    let t = try XCTUnwrap(table(try load(p)))
    XCTAssertEqual(t.names, ["sepal_length", "species"])
    XCTAssertEqual(t.kinds, [.float, .text])
    XCTAssertEqual(t.text, [TextColumn(codes: [0, 1, 0, 2], categories: ["setosa", "versicolor", "virginica"])])
    // categories sort as pandas.Categorical sorts them, not by first appearance
    XCTAssertEqual(table(try load(write("o.csv", "c\nz\na\nm\n")))?.text[0], TextColumn(codes: [2, 0, 1], categories: ["a", "m", "z"]))
  }

  // MARK: the language

  func iris() -> String {
    write("iris.csv", """
      sepal_length,sepal_width,petal_length,petal_width,species
      5.1,3.5,1.4,0.2,setosa
      4.9,3.0,1.4,0.2,setosa
      7.0,3.2,4.7,1.4,versicolor
      6.4,3.2,4.5,1.5,versicolor
      6.3,3.3,6.0,2.5,virginica
      5.8,2.7,5.1,1.9,virginica

      """)
  }

  /// Runs each line in `c`'s session and compares what it displays.
  func expect(_ c: Capture, _ cases: [(code: String, output: String)], line: UInt = #line) {
    for (code, output) in cases {
      c.run(code)
      XCTAssertEqual(c.out, output, code, line: line)
      XCTAssertEqual(c.err, "", code, line: line)
    }
  }

  /// Int columns beyond 2^24 (ids) keep their values exactly beside the float32 matrix, and are saved
  /// so; reals that float32 rounds beyond 2^24 (timestamps) are warned of, naming the first.
  /// Found by a fresh-user pass: 123456789 was shown and saved as 123456792, labelled int64, and two
  /// timestamps became equal without a word.
  func testLargeIntsAreKeptExactlyAndRoundedRealsWarned() throws {
    let p = write("ids.csv", "name,id,t\na,123456789,0.5\nb,123456790,1700000001.25\nc,5,3\n")
    let out = dir + "/ids-out.csv"
    let c = Capture()
    XCTAssertTrue(c.run("d = load \"\(p)\"\nprint d.id (d.id[0] == d.id[1]) d.dtypes\nsave d \"\(out)\"\n"), c.err)
    XCTAssertEqual(c.out, "[123456789 123456790 5] false [\"category\", \"int64\", \"float64\"]\n")
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map { String($0.split(separator: ",")[1]) },
                   ["id", "123456789", "123456790", "5"])
    // a real float32 rounds: .data holds it rounded, the column (float64, as pandas reads it) as read
    XCTAssertTrue(c.err.contains("1 number beyond 2^24 = 16,777,216 loses digits in float32: the frame's .data (float32, what umap and the "
                                 + "other algorithms use) has 1700000000.0 for 1700000001.25 on line 3, column 3, while the column keeps the "
                                 + "numbers as read (d[\"t\"])"), c.err)
    // the float32 matrix itself is rounded, as documented
    XCTAssertTrue(c.run("print (d.data[0, 0] == 123456792) (d.t[1] == 1700000001.25) (d.data[1, 1] == 1700000000)"), c.err)
    XCTAssertEqual(c.out, "true true true\n")
    // a missing value makes the column float64, as pandas makes it: its float64 values keep the
    // integers, which .data rounds (said; they were rounded without a word, then kept rounded)
    let q = write("ids-missing.csv", "id,x\n123456789,1\n,2\n")
    XCTAssertTrue(c.run("e = load \"\(q)\"\nprint e.dtypes"), c.err)
    XCTAssertEqual(c.out, "[\"float64\", \"int64\"]\n")
    XCTAssertTrue(c.err.contains("has 123456792.0 for 123456789.0 on line 2, column 1, while the column keeps the numbers as read (d[\"id\"])"), c.err)
    XCTAssertTrue(c.run("print (e.id[0] == 123456789)"), c.err)
    XCTAssertEqual(c.out, "true\n")
    // 19 digits, to int64's limits, as pandas reads them (they were read as float32 without a word)
    let big = write("ids-19.csv", "id,x\n9223372036854775807,1.5\n-9223372036854775808,2.5\n16777217,3\n")
    let bigOut = dir + "/ids-19-out.csv"
    XCTAssertTrue(c.run("b = load \"\(big)\"\nprint b.dtypes b.id (max b.id) (min b.id)\nsave b \"\(bigOut)\""), c.err)
    XCTAssertEqual(c.out, "[\"int64\", \"float64\"] [9223372036854775807 -9223372036854775808 16777217] 9223372036854775807 -9223372036854775808\n")
    XCTAssertEqual(try String(contentsOfFile: bigOut, encoding: .utf8),
                   "id,x\n9223372036854775807,1.5\n-9223372036854775808,2.5\n16777217,3.0\n")
    // one beyond int64 is a number (pandas: uint64; clus keeps no unsigned integers)
    XCTAssertTrue(c.run("o = load \"\(write("ids-20.csv", "id,x\n9223372036854775808,1\n"))\"\nprint o.dtypes"), c.err)
    XCTAssertEqual(c.out, "[\"float64\", \"int64\"]\n")
    // booleans with a missing value: pandas' object column, saved as True, an empty cell and False
    // (checked against pandas' to_csv of the same file; it was saved as 1.0 and 0.0)
    let bm = write("bool-missing.csv", "flag,n\nTrue,1\n,2\nFalse,3\n"), bmOut = dir + "/bool-missing-out.csv"
    XCTAssertTrue(c.run("m = load \"\(bm)\"\nprint m.dtypes m.flag\nsave m \"\(bmOut)\""), c.err)
    XCTAssertEqual(c.out, "[\"object\", \"int64\"] [1.0000 nan 0.0000]\n")
    XCTAssertEqual(try String(contentsOfFile: bmOut, encoding: .utf8), "flag,n\nTrue,1\n,2\nFalse,3\n")
    // crosstab keeps integers beyond 2^53 apart (as Doubles, ...993 joined ...992), as pandas' crosstab
    XCTAssertTrue(c.run("t = crosstab [9007199254740993, 9007199254740992, 9007199254740993, 5] [1, 2, 1, 2]\nprint t.index t.counts"), c.err)
    XCTAssertEqual(c.out, "[5 9007199254740992 9007199254740993] matrix 3 × 2 float32\n[[0.0000 1.0000]\n [0.0000 1.0000]\n [2.0000 0.0000]]\n")
  }

  /// Listings stay one line a row and aligned: a category holding a newline is shown as \n (as pandas
  /// prints it), and a CJK label takes two columns a character (both broke the layout: a fresh-user pass).
  func testListingsEscapeNewlinesAndAlignWideText() throws {
    let p = write("wide.csv", "a,b\n\"x\ny\",日本\nz,日本語\nz,ab\n")
    let c = Capture()
    XCTAssertTrue(c.run("d = load \"\(p)\"\nd.a\ncrosstab d.b d.a\nd"), c.err)
    XCTAssertEqual(c.out, """
      categorical 3 (2 categories: x\\ny, z)
      [x\\ny z z]
      crosstab 3 × 2 (rows: values of the first vector, columns: of the second)
              x\\ny   z
      ab         0   1
      日本       1   0
      日本語     0   1
      data frame 3 × 2: .data is the 3 × 0 matrix of the numeric columns
        a  category (2: x\\ny, z)
        b  category (3: ab, 日本, 日本語)
            a       b
      0  x\\ny    日本
      1     z  日本語
      2     z      ab

      """)
  }

  /// Saving frames writes numbers as pandas' to_csv does (Python's float repr: 33554432.0, 40000000000.0,
  /// 0.1 in a one-column frame too) and keeps line breaks in names, quoted; a crosstab whose labels
  /// cannot make pandas' table is refused, not written as a bare matrix. From the third fresh-user pass
  /// (Swift's 3.3554432e+07, a one-column frame's 0.10000000149011612, "a\nb" saved as "ab").
  func testSavedNumbersAndNamesAsPandasWritesThem() throws {
    let c = Capture()
    let one = write("one.csv", "x\n0.1\n0.2\n123456.7\n"), oneOut = dir + "/one-out.csv"
    XCTAssertTrue(c.run("d = load \"\(one)\"\nsave d \"\(oneOut)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: oneOut, encoding: .utf8), "x\n0.1\n0.2\n123456.7\n")
    let big = write("big.csv", "id,x\n1,33554432\n2,40000000000\n3,0.5\n4,0.0001\n5,1e16\n6,-1.5e-05\n"), bigOut = dir + "/big-out.csv"
    XCTAssertTrue(c.run("d = load \"\(big)\"\nsave d \"\(bigOut)\""), c.err)
    // pandas' to_csv of the same file (float64 read): the same text
    XCTAssertEqual(try String(contentsOfFile: bigOut, encoding: .utf8),
                   "id,x\n1,33554432.0\n2,40000000000.0\n3,0.5\n4,0.0001\n5,1e+16\n6,-1.5e-05\n")
    // whole numbers that float32 also holds (2^40, 2^34) in their own digits: float32's shortest
    // 1.0995116e+12 read back as 1099511600000 (a fresh-user pass); pandas: (df.a * 1.0).to_csv
    // and a float column of such values
    let whole = write("whole.csv", "a,f\n1099511627776,1099511627776.0\n17179869184,0.1\n3,2.5\n"), wholeOut = dir + "/whole-out.csv"
    XCTAssertTrue(c.run("d = load \"\(whole)\"\nsave (d.a * 1.0) \"\(wholeOut)\"\nsave d \"\(dir)/whole-frame.csv\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: wholeOut, encoding: .utf8), "1099511627776.0\n17179869184.0\n3.0\n")
    XCTAssertEqual(try String(contentsOfFile: dir + "/whole-frame.csv", encoding: .utf8), "a,f\n1099511627776,1099511627776.0\n17179869184,0.1\n3,2.5\n")
    // an integer beyond int64 (pandas keeps it as uint64) is read as float64, rounded: said (it was silent)
    let u = write("u64.csv", "a\n9223372036854775809\n1\n")
    c.err = ""
    XCTAssertTrue(c.run("d = load \"\(u)\""), c.err)
    XCTAssertTrue(c.err.contains("column 1 ('a') holds integers beyond int64's range (2^63 − 1), in which clus keeps integers: pandas reads it as "
                                 + "uint64, clus as float64, which rounds them (9223372036854775809 on line 2 is kept as 9223372036854775808)"), c.err)
    XCTAssertFalse(c.err.contains("beyond 2^24"), c.err)  // one warning (the other said the column kept the numbers as read)
    // beyond uint64: pandas' object column, text here (see testNumbersPandasKeepsAreKeptOrSaid)
    c.err = ""
    XCTAssertTrue(c.run("d = load \"\(write("huge.csv", "a\n99999999999999999999999\n1\n"))\""), c.err)
    XCTAssertTrue(c.err.contains("so it is read as text"), c.err)
    XCTAssertFalse(c.err.contains("beyond 2^24"), c.err)
    c.err = ""
    XCTAssertTrue(c.run("d = load \"\(write("u64ok.csv", "a\n18446744073709551615.5\n9223372036854775808\n"))\""), c.err)
    XCTAssertFalse(c.err.contains("int64's range"), c.err)
    // timestamps varying by units: .data loses the variation, the int column does not (it said "lost")
    let ts = write("ts.csv", "ts,v\n1700000001,1\n1700000002,2\n1700000003,2\n")
    c.err = ""; c.out = ""
    XCTAssertTrue(c.run("d = load \"\(ts)\"\nprint (d.ts - 1700000000)"), c.err)
    XCTAssertEqual(c.out, "[1 2 3]\n")
    XCTAssertTrue(c.err.contains("the frame's .data (float32, what umap and the other algorithms use) loses most of that variation, "
                                 + "while the column keeps its values exactly (d[\"ts\"]). Subtract a common offset (d[\"ts\"] - d[\"ts\"][0])"), c.err)
    let names = write("names.csv", "\"a\nb\",ab,v\n1,2,x\n"), namesOut = dir + "/names-out.csv"
    XCTAssertTrue(c.run("d = load \"\(names)\"\nsave d \"\(namesOut)\"\nprint (load \"\(namesOut)\").columns"), c.err)
    XCTAssertEqual(c.out, "[\"a\\nb\", \"ab\", \"v\"]\n")
    XCTAssertEqual(try String(contentsOfFile: namesOut, encoding: .utf8), "\"a\nb\",ab,v\n1,2,x\n")
    let r0 = write("row0.csv", "a,b\nx,row_0\ny,q\n")
    c.expectError("d = load \"\(r0)\"\nsave (crosstab d.a d.b) \"\(dir)/ct.csv\"", "column labels repeat or include \"row_0\"")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/ct.csv"))
  }

  /// Rows of a frame stay a frame (pandas' df[0:2], df[mask], df.iloc[[3, 0]]): names, text and exact
  /// columns kept, saved with its header; a loop over a categorical runs over its names (it gave the
  /// codes 0, 3 where indexing gave the names; pandas iterates the values, NaN for a missing one).
  func testRowsOfAFrameAndLoopsOverCategoricals() throws {
    let c = Capture()
    let p = write("rows.csv", "a,sp,id\n1.5,u,1\n2.5,z,2\n3.5,u,123456789\n4.5,,4\n"), out = dir + "/rows-out.csv"
    XCTAssertTrue(c.run("d = load \"\(p)\"\nsave d[0:2] \"\(out)\"\nu = d[d.sp == \"u\"]\nprint u.id u.a\n"
                        + "r = d[[3, 0]]\nprint r.sp[0] r.sp[1] r.id\nfor s in d.sp { print s }\nprint d[0:2].data[1]"), c.err)
    // pandas: df[0:2].to_csv(index=False)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "a,sp,id\n1.5,u,1\n2.5,z,2\n")
    // the exact int column kept its 123456789 (float32 would show 123456792)
    XCTAssertEqual(c.out, "[1 123456789] [1.5000 3.5000]\nnan u [4 1]\nu\nz\nu\nnan\n[2.5000 2.0000]\n")
    // sort of a frame sorted each row across unrelated columns; arithmetic dropped the text column
    // (pandas' df + 1 raises TypeError); both refused, with the way to what was meant
    XCTAssertFalse(c.run("sort d"))
    XCTAssertTrue(c.err.contains("sort of a data frame would sort each row's numbers across its columns"), c.err)
    // reductions too: mean d gave the mean of the numbers of a and id together (pandas' df.mean() raises TypeError)
    for code in ["d + 1", "2 * d", "d == 1", "-d", "abs d", "power d 2", "sqrt d", "mean d", "median d axis=0"] {
      c.err = ""
      XCTAssertFalse(c.run(code), code)
      XCTAssertTrue(c.err.contains("of a data frame with text column sp (pandas refuses it too)"), c.err)
    }
    // pandas answers max, min and sum per column, text too: refused here as well, without saying pandas refuses them
    for code in ["sum d axis=0", "max d"] {
      c.expectError(code, "of a data frame with text column sp would act on the numbers of .data only (pandas answers per column)")
    }
    // axis=0 of a one-column frame or a vector is the whole reduction, as numpy's sum(v, axis=0)
    c.expectOutput("print (sum d[[\"id\"]] axis=0) (max d.a axis=0)", "123456796 4.5000\n")
    c.err = ""
    XCTAssertTrue(c.run("q = d[argsort d.a]\nx = d.data + 1"), c.err)
    // columns by a list of names, as pandas' df[["id", "sp"]]: a frame of those, exact and text kept
    // (pandas: df[["id", "sp"]].to_csv(index=False)); one row of a frame whose id float32 rounds is refused
    XCTAssertTrue(c.run("save d[[\"id\", \"sp\"]] \"\(dir)/cols.csv\"\ns = d[[\"a\"]]\nprint (shape s) s.a"), c.err)
    XCTAssertEqual(try String(contentsOfFile: dir + "/cols.csv", encoding: .utf8), "id,sp\n1,u\n2,z\n123456789,u\n4,\n")
    XCTAssertTrue(c.out.hasSuffix("4 × 1 [1.5000 2.5000 3.5000 4.5000]\n"), c.out)
    c.expectError("d[[\"id\", \"ix\"]]", "no column 'ix'; did you mean id?")
    c.expectError("d[2]", "one row of this data frame is its float32 .data, where id is rounded")
    // a frame of one exact column stands for that column: its element is exact
    c.expectOutput("o = d[[\"id\"]]\nprint o[2]", "123456789\n")
    // a frame of text columns only: no numbers to embed or save (they said "data is empty (2 × 0)", and
    // save wrote a file of no columns)
    let t = write("text-only.csv", "name,kind\nx,a\ny,b\n")
    c.expectError("t = load \"\(t)\"\numap t", "umap: DATA is a data frame with no numeric column (name, kind are text)")
    c.expectError("t = load \"\(t)\"\nsave t \"\(dir)/t.npy\"", "this data frame has no numeric column (its columns name, kind are text)")
    // one text column: it wrote the category codes, noted as "its text column name is not in the file"
    c.expectError("t = load \"\(t)\"\nsave t[[\"name\"]] \"\(dir)/t.npy\"", "this data frame has no numeric column (its column name is text)")
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/t.npy"))
  }

  /// concat of data frames is a data frame (pandas' concat): it was the stacked float32 .data, the
  /// names, the text column and the exact ids lost in silence (16777217 became 16777216). Expected
  /// text: pandas' concat([d[0:2], d[3:5]]).to_csv(index=False) of the same file. Frames of other
  /// columns are refused; d[rows, cols] of a frame with text or exact columns too (it counted only
  /// .data's columns, where pandas' iloc counts them all).
  func testConcatOfDataFramesAndTheirColumnPositions() throws {
    let c = Capture()
    let p = write("cat.csv", "id,name,x,flag\n16777217,alpha,1.5,True\n1099511627779,beta,,False\n5,,2.0,True\n-7,gamma,3.0,True\n123456789012,beta,4.25,False\n")
    let out = dir + "/cat-out.csv"
    XCTAssertTrue(c.run("d = load \"\(p)\"\nsave (concat d[0:2] d[3:5]) \"\(out)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8),
                   "id,name,x,flag\n16777217,alpha,1.5,True\n1099511627779,beta,,False\n-7,gamma,3.0,True\n123456789012,beta,4.25,False\n")
    // a bool axis is labelled False and True (it was 0 and 1): pandas' crosstab(d.name.values,
    // d.flag.values).to_csv() of the same file
    XCTAssertTrue(c.run("save (crosstab d.name d.flag) \"\(dir)/ct-bool.csv\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: dir + "/ct-bool.csv", encoding: .utf8), "row_0,False,True\nalpha,0,1\nbeta,2,0\ngamma,0,1\n")
    // a frame shows its rows as pandas prints them: ints exact, NaN for a missing value, True/False
    let shown = Capture()
    XCTAssertTrue(shown.run("d = load \"\(p)\"\nd"), shown.err)
    XCTAssertTrue(shown.out.hasSuffix("""
                    id   name       x   flag
      0       16777217  alpha  1.5000   True
      1  1099511627779   beta     NaN  False
      2              5    NaN  2.0000   True
      3             -7  gamma  3.0000   True
      4   123456789012   beta  4.2500  False

      """), shown.out)
    // more than ten rows: the first and last five around "…"
    let long = write("long.csv", "v\n" + (0..<12).map { "\($0 * 10)\n" }.joined())
    XCTAssertTrue(shown.run("l = load \"\(long)\"\nl"), shown.err)
    XCTAssertTrue(shown.out.hasSuffix("      v\n 0    0\n 1   10\n 2   20\n 3   30\n 4   40\n …    …\n 7   70\n 8   80\n 9   90\n10  100\n11  110\n"), shown.out)
    let other = write("other.csv", "a,b\n1,2\n")
    c.expectError("t = load \"\(other)\"\nconcat d t", "data frames join only with the same columns in the same order: part 2 has a, b, part 1 id, name")
    // int64 beside float64 joins as float64 (pandas upcasts); other kinds are named by column
    let ints = write("ints.csv", "k,v\nx,1\ny,2\n"), floats = write("floats.csv", "k,v\nz,0.5\n,1.5\n"), flags = write("flags.csv", "k,v\nx,True\ny,False\n")
    let joined = dir + "/joined.csv", single = dir + "/single.csv"
    XCTAssertTrue(c.run("i = load \"\(ints)\"\nf = load \"\(floats)\"\nj = concat i f\nsave j \"\(joined)\"\nprint j.dtypes"), c.err)
    // pandas: pd.concat([pd.read_csv(ints), pd.read_csv(floats)]).to_csv(index=False)
    XCTAssertEqual(try String(contentsOfFile: joined, encoding: .utf8), "k,v\nx,1.0\ny,2.0\nz,0.5\n,1.5\n")
    c.expectError("concat i (load \"\(flags)\")", "column v is bool in part 2 and int64 before it")
    // one-column frames join as a frame (it gave a categorical, saved as its codes); pandas:
    // pd.concat([df, df]).to_csv(index=False) with df = pd.read_csv(single-column text file)
    let names = write("names.csv", "name\nx\ny\n")
    XCTAssertTrue(c.run("o = load \"\(names)\"\nsave (concat o o) \"\(single)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: single, encoding: .utf8), "name\nx\ny\nx\ny\n")
    c.expectError("concat d d.data", "part 2 is a matrix, not a data frame")
    // an id beyond 2^24 in a later part only (kept exactly there) stays exact in the whole, as
    // pd.concat keeps int64 (123456789 became float32's 123456792 while dtypes said int64); beside
    // a float column part it joins as float64, exactly (pandas: 123456789.0)
    let small = write("small.csv", "v,i\n1,1\n"), big = write("big.csv", "v,i\n3,123456789\n"), real = write("real.csv", "v,i\n3,1.5\n")
    let ids = dir + "/ids.csv"
    XCTAssertTrue(c.run("a = load \"\(small)\"\nb = load \"\(big)\"\nsave (concat a b) \"\(ids)\"\nprint (concat a b).i"), c.err)
    XCTAssertEqual(try String(contentsOfFile: ids, encoding: .utf8), "v,i\n1,1\n3,123456789\n")
    XCTAssertTrue(c.out.hasSuffix("[1 123456789]\n"), c.out)
    XCTAssertTrue(c.run("save (concat (load \"\(real)\") b) \"\(ids)\""), c.err)
    XCTAssertEqual(try String(contentsOfFile: ids, encoding: .utf8), "v,i\n3,1.5\n3,123456789.0\n")
    c.expectError("d[0:2, 1]", "d[rows, cols] of a data frame with text columns, or columns kept exactly beside its .data")
    // a frame of numeric columns only: positions are pandas' (iloc[0:2, 1])
    let nums = write("nums.csv", "a,b\n1,2.5\n3,4.5\n5,6.5\n")
    XCTAssertTrue(c.run("n = load \"\(nums)\"\nprint n[0:2, 1]"), c.err)
    XCTAssertTrue(c.out.hasSuffix("[2.5000 4.5000]\n"), c.out)
  }

  func testDataFrameInTheLanguage() throws {
    let c = Capture()
    let p = iris()
    XCTAssertTrue(c.run("d = load \"\(p)\""), c.err)
    // a frame saved as .csv is every column under its name, as pandas' to_csv(index=False) writes it:
    // here the file it was read from, byte for byte (it wrote the numbers without names and left the
    // text out, with a note); as .npy, and a categorical, numbers only, saying what is left out
    let out = NSTemporaryDirectory() + "clus-frame-save-\(getpid()).csv", npy = out + ".npy"
    defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: npy) }
    let s = Capture()
    XCTAssertTrue(s.run("d = load \"\(p)\"\nsave d \"\(out)\"\n"), s.err)
    XCTAssertEqual(s.err, "")
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), try String(contentsOfFile: p, encoding: .utf8))
    XCTAssertTrue(s.run("save d \"\(npy)\"\nsave d.species \"\(out)\"\n"), s.err)
    XCTAssertTrue(s.err.contains("note: wrote the data frame's data without column names; its text column species is not in the file"), s.err)
    XCTAssertTrue(s.err.contains("note: wrote the categorical's integer codes; its names are not in the file"), s.err)
    // ids beyond 2^24 (kept exactly beside .data) are rounded in a .npy: said (16777217 became 16777216 unsaid)
    let ids = write("ids.csv", "id,v\n16777217,0.5\n3,1.5\n")
    s.err = ""
    XCTAssertTrue(s.run("e = load \"\(ids)\"\nsave e \"\(npy)\"\n"), s.err)
    XCTAssertTrue(s.err.contains("without column names; the values of id are rounded to float32 in it"), s.err)
    // ... and arithmetic on that frame, which acts on .data, is refused (d + 1 gave 16777216 + 1 unsaid);
    // the column itself keeps them: pandas' d.id + 1 is 16777218
    s.err = ""
    XCTAssertFalse(s.run("e + 1"))
    XCTAssertTrue(s.err.contains("would act on its float32 .data, where id is rounded (float32 holds integers exactly only to 2^24 and reals to about 7 significant digits); use the column (d.id)"), s.err)
    s.out = ""
    XCTAssertTrue(s.run("print (e.id + 1)"), s.err)
    XCTAssertEqual(s.out, "[16777218 4]\n")
    // missing values, booleans, integers and a float column of whole numbers keep their kinds
    // (pandas' to_csv of this frame gives the same text: NaN as an empty cell, True/False, 2.0)
    let mixed = write("mixed.csv", "a,x,flag,y\nu,1,true,0.5\n\"v, w\",2,false,\n,3,true,2\n")
    let m2 = out + ".mixed.csv"
    defer { try? FileManager.default.removeItem(atPath: m2) }
    XCTAssertTrue(s.run("m = load \"\(mixed)\"\nsave m \"\(m2)\"\nm2 = load \"\(m2)\"\nprint m2.dtypes\n"), s.err)
    XCTAssertEqual(try String(contentsOfFile: m2, encoding: .utf8), "a,x,flag,y\nu,1,True,0.5\n\"v, w\",2,False,\n,3,True,2.0\n")
    XCTAssertTrue(s.out.hasSuffix("[\"category\", \"int64\", \"bool\", \"float64\"]\n"), s.out)
    // a one-column frame's missing value is written "" (a blank line was skipped on reading: a row
    // lost), as pandas writes it; a text column named data, columns or dtypes is readable by name
    // and saved (it had no field: d["data"] said "no column 'data'; did you mean data?")
    let one = write("one.csv", "s\nx\nNA\ny\n"), reserved = write("reserved.csv", "x,data,columns\n1,a,p\n3,b,q\n")
    let o2 = out + ".one.csv", r2 = out + ".reserved.csv"
    defer { try? FileManager.default.removeItem(atPath: o2); try? FileManager.default.removeItem(atPath: r2) }
    XCTAssertTrue(s.run("""
      o = load "\(one)"
      save o "\(o2)"
      o3 = load "\(o2)"
      r = load "\(reserved)"
      save r "\(r2)"
      rd = r["data"]
      rm = r.data
      """), s.err)
    XCTAssertEqual(try String(contentsOfFile: o2, encoding: .utf8), "s\nx\n\"\"\ny\n")
    XCTAssertEqual(s.value("o3").flatMap { if case .record(let r) = $0 { return Frames.column(r, "s") }; return nil }
                     .flatMap { Frames.categories(of: $0) }?.codes, [0, -1, 1])
    XCTAssertEqual(try String(contentsOfFile: r2, encoding: .utf8), "x,data,columns\n1,a,p\n3,b,q\n")
    XCTAssertEqual(s.value("rd").flatMap { Frames.categories(of: $0) }?.names, ["a", "b"])
    guard case .matrix(let rm)? = s.value("rm") else { return XCTFail("r.data is not the numeric matrix") }
    XCTAssertEqual(rm.data, [1, 3])
    expect(c, [
      ("d.columns", "[\"sepal_length\", \"sepal_width\", \"petal_length\", \"petal_width\", \"species\"]\n"),
      ("d[\"petal_length\"]", "vector 6 float\n[1.4000 1.4000 4.7000 4.5000 6.0000 5.1000]\n"),
      ("count (d.petal_length == d[\"petal_length\"])", "6\n"),
      ("d.data[:, 0]", "vector 6 float\n[5.1000 4.9000 7.0000 6.4000 6.3000 5.8000]\n"),
      ("d[\"species\"]", "categorical 6 (3 categories: setosa, versicolor, virginica)\n"
        + "[setosa setosa versicolor versicolor virginica virginica]\n"),
      ("d.species[2]", "\"versicolor\"\n"),
      ("d.species[[0, 4]]", "categorical 2 (3 categories: setosa, versicolor, virginica)\n[setosa virginica]\n"),
      // it acts as int labels: a score against itself, a count of a mask
      ("(score d.species d.species).ari", "1.0000\n"),
      ("count (d.species.codes == 1)", "2\n"),
      // compared with a name, as pandas compares: a mask
      ("d.petal_length[d.species == \"virginica\"]", "vector 2 float\n[6.0000 5.1000]\n"),
      ("count (d[\"species\"] != \"setosa\")", "4\n"),
      ("count (d.species == \"iris\")", "0\n"),
    ])
    // the frame acts as its numeric matrix
    XCTAssertTrue(c.run("p = pca d n_components=2"), c.err)
    // a misspelt column
    XCTAssertFalse(c.run("d[\"petal_lenght\"]"))
    XCTAssertTrue(c.err.contains("no column 'petal_lenght'; did you mean petal_length"), c.err)
    XCTAssertFalse(c.run("d.specis"))
    XCTAssertTrue(c.err.contains("did you mean species?"), c.err)
    // load's parameters, checked
    XCTAssertTrue(c.run("e = load \"\(p)\" usecols=[\"species\", 0]; e.columns"), c.err)
    XCTAssertEqual(c.out, "[\"species\", \"sepal_length\"]\n")
    XCTAssertFalse(c.run("load \"\(p)\" header=\"maybe\""))
    XCTAssertTrue(c.err.contains("header must be true, false or \"auto\""), c.err)
    // the caret under the parameter, not the call
    let at = "load \"\(p)\" ".count + 1
    XCTAssertTrue(c.err.hasPrefix("<test>:1:\(at): error: load: header must be"), c.err)
    XCTAssertFalse(c.run("load \"\(p)\" delimiter=\";;\""))
    XCTAssertTrue(c.err.hasPrefix("<test>:1:\(at): error: load: delimiter must be one character"), c.err)
    XCTAssertFalse(c.run("load \"\(p)\" columns=[\"x\"] na_values=[true]"))
    XCTAssertTrue(c.err.hasPrefix("<test>:1:\(at + 14): error: load: na_values takes strings"), c.err)
    XCTAssertFalse(c.run("load \"\(p)\" usecols=[1.5]"))
    XCTAssertTrue(c.err.hasPrefix("<test>:1:\(at): error: load: usecols= takes column names"), c.err)
    XCTAssertFalse(c.run("load \"\(p)\" columns=[\"x\"]"))
    XCTAssertTrue(c.err.contains("iris.csv:1: no column named 'x'"), c.err)
  }

  func testOneColumnFramesStandForTheirColumn() throws {
    let c = Capture()
    XCTAssertTrue(c.run("a = load \"\(write("sp.csv", "sp\ncat\ndog\ncat\n"))\"; b = load \"\(write("lab.csv", "label\n3\n1\n"))\""), c.err)
    expect(c, [("count (a == \"cat\")", "2\n"), ("a[1]", "\"dog\"\n"), ("b + 1", "vector 2 int\n[4 2]\n")])
    // CSV parameters on another kind of file are an error, not ignored
    let npy = dir + "/v.npy"
    try saveData(.intVector([1]), path: npy)
    XCTAssertFalse(c.run("load \"\(npy)\" header=true"))
    XCTAssertTrue(c.err.contains("header= applies to CSV, TSV and other delimited text files"), c.err)
    XCTAssertTrue(c.err.hasPrefix("<test>:1:\("load \"\(npy)\" ".count + 1): error:"), c.err)
  }

  func testNumericFirstRowNoteOnStderr() throws {
    let c = Capture()
    let p = write("years.csv", "2019,2020\n1,2\n")
    XCTAssertTrue(c.run("x = load \"\(p)\""), c.err)
    XCTAssertEqual(c.err, "note: \(p): first row is numeric, read as data (header=true to use it as column names)\n")
    XCTAssertTrue(c.run("y = load \"\(p)\" header=true; y.columns"), c.err)
    XCTAssertEqual(c.err, "")
    XCTAssertEqual(c.out, "[\"2019\", \"2020\"]\n")
  }

  func testMissingValuesReachTheAlgorithmsNaNError() throws {
    let c = Capture()
    let p = write("gaps.csv", "a,b\n1,2\n3,NA\n5,6\n7,8\n")
    XCTAssertTrue(c.run("d = load \"\(p)\""), c.err)
    XCTAssertFalse(c.run("kmeans d n_clusters=2"))
    XCTAssertTrue(c.err.contains("non-finite value (nan) at row 1, column 1"), c.err)
    // svd takes dense data through a sparse copy: the value is named as data's, not a sparse matrix's
    c.err = ""
    XCTAssertFalse(c.run("svd d n_components=1"))
    XCTAssertTrue(c.err.contains("svd: data contains a non-finite value (nan) at row 1, column 1"), c.err)
  }

  /// scikit-learn refuses NaN labels ("Input contains NaN"); a categorical's missing value is code −1,
  /// which ari/ami/score had counted as one more label (adjusted_rand_score([0, 0, -1, 1], [0, 0, 1, 1])
  /// is 0.5714 by scikit-learn, where the three rows with a value agree: 1.0).
  func testScoresRefuseACategoricalWithMissingValues() throws {
    let c = Capture()
    let p = write("kinds.csv", "kind,n\nx,1\nx,2\n,3\ny,4\n")
    XCTAssertTrue(c.run("d = load \"\(p)\"; l = [0, 0, 1, 1]"), c.err)
    for cmd in ["score d.kind l", "ari l d.kind", "ami d.kind l", "nmi d.kind l"] {
      c.err = ""
      XCTAssertFalse(c.run(cmd), cmd)
      XCTAssertTrue(c.err.contains("a categorical with 1 missing value (NaN)"), c.err)
    }
    // the advice works: the rows with a value score 1 (they agree up to renaming)
    XCTAssertTrue(c.run("k = d.kind.codes >= 0; s = ari d.kind[k] l[k]"), c.err)
    guard case .float(let s)? = c.session.variables["s"] else { return XCTFail("no score") }
    XCTAssertEqual(s, 1.0)
  }

  /// pandas' df.shape counts every column, text ones too: (4, 3) for this file; `shape` gave the
  /// numeric .data's 4 × 2.
  func testShapeOfADataFrameCountsEveryColumn() throws {
    let c = Capture()
    let p = write("mixed.csv", "kind,n,x\nx,1,0.5\nx,2,1.5\n,3,2.5\ny,4,3.5\n")
    c.expectOutput("d = load \"\(p)\"\nprint (shape d)\nprint (shape d.data)\nprint (shape d[0:2])\n", "4 × 3\n4 × 2\n2 × 3\n")
    // one column, numeric or text: (2, 1) and (3, 1) in pandas (they gave 2 and 3, without .cols)
    let one = write("one.csv", "x\n1\n2\n"), text = write("text.csv", "name\nx\ny\nx\n")
    c.expectOutput("print (shape (load \"\(one)\"))\nprint (shape (load \"\(text)\"))\n", "2 × 1\n3 × 1\n")
    // and so do messages that show a frame's shape (they gave .data's 4 × 2)
    XCTAssertFalse(c.run("unique d"))
    XCTAssertTrue(c.err.contains("got a data frame (4 × 3)"), c.err)
  }

  func testFloatColumnsAreTheDecimalsPandasReads() throws {
    // pandas.read_csv gives float64 0.1, 0.25, 3.7 and a mean of (0.1 + 0.25 + 3.7) / 3; the column was
    // float32 widened (0.10000000149011612, 3.700000047683716) while .dtypes said float64
    let c = Capture()
    let p = write("dec.csv", "a,b,name\n0.1,1,x\n0.25,2,y\n3.7,3,x\n")
    XCTAssertTrue(c.run("d = load \"\(p)\"\na = d.a\nm = mean d.a\none = d[[\"a\"]][1:3].a\n"), c.err)
    func floats(_ name: String) -> [Double]? { if case .floats(let f)? = c.session.variables[name] { return f }; return nil }
    XCTAssertEqual(floats("a"), [0.1, 0.25, 3.7])
    guard case .float(let mean)? = c.session.variables["m"] else { return XCTFail("no mean") }
    XCTAssertEqual(mean, (0.1 + 0.25 + 3.7) / 3)
    XCTAssertEqual(floats("one"), [0.25, 3.7])
    // saved as a float64 .npy and loaded again: the same values (np.load reads 0.1 and 3.7)
    let npy = dir + "/a.npy"
    XCTAssertTrue(c.run("save d.a \"\(npy)\"\nback = load \"\(npy)\"\n"), c.err)
    XCTAssertEqual(floats("back"), [0.1, 0.25, 3.7])
    // the float32 data itself is unchanged (.data is what the algorithms read)
    guard case .matrix(let m)? = (c.session.variables["d"].flatMap { v -> Value? in
      if case .record(let r) = v { return r["data"] }; return nil
    }) else { return XCTFail("no .data") }
    XCTAssertEqual(m.data, [0.1, 1, 0.25, 2, 3.7, 3])
  }

  func testFloatColumnsKeepTheDigitsFloat32DoesNot() throws {
    // pandas.read_csv: price is float64 [19.99, 123456.78, 0.123456789], its sum Python's, 0.123456789 found
    // by ==, and to_csv(index=False) writes the file back as it was; clus kept 0.12345679 (float32)
    let c = Capture()
    let p = write("prec.csv", "price,qty\n19.99,1\n123456.78,2\n0.123456789,3\n")
    let out = dir + "/prec-out.csv"
    XCTAssertTrue(c.run("d = load \"\(p)\"\np = d.price\ns = sum d.price\nn = count (d.price == 0.123456789)\nsave d \"\(out)\"\n"), c.err)
    XCTAssertEqual(c.err, "")
    func floats(_ name: String) -> [Double]? { if case .floats(let f)? = c.session.variables[name] { return f }; return nil }
    XCTAssertEqual(floats("p"), [19.99, 123456.78, 0.123456789])
    guard case .float(let sum)? = c.session.variables["s"] else { return XCTFail("no sum") }
    XCTAssertEqual(sum, 19.99 + 123456.78 + 0.123456789)
    guard case .int(let n)? = c.session.variables["n"] else { return XCTFail("no count") }
    XCTAssertEqual(n, 1)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "price,qty\n19.99,1\n123456.78,2\n0.123456789,3\n")
    // a float64 kept beside .data is written in Double's digits, as pandas' to_csv writes this file back
    // (2^64 was written in float32's 1.8446744e+19, another number)
    let u = write("u.csv", "c,d\n18446744073709551615,1\n1.5,2\n")
    XCTAssertTrue(c.run("save (load \"\(u)\") \"\(out)\"\n"), c.err)
    XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "c,d\n1.8446744073709552e+19,1\n1.5,2\n")
    // rows, columns and joins keep them
    XCTAssertTrue(c.run("q = (concat d[1:3] d[0:1])[[\"price\"]].price\n"), c.err)
    XCTAssertEqual(floats("q"), [123456.78, 0.123456789, 19.99])
    // the float32 .data is what the algorithms read; acting on it for the whole frame is refused, naming the column
    c.expectError("d * 2", "where price is rounded (float32 holds integers exactly only to 2^24 and reals to about 7 significant digits)")
    // an int column beyond 2^24 that becomes float with a missing value keeps its ints (pandas: 123456789.0, NaN)
    let ids = write("idsna.csv", "id,x\n123456789,1\n,2\n")
    XCTAssertTrue(c.run("i = (load \"\(ids)\").id\n"), c.err)
    XCTAssertEqual(floats("i")?.first, 123456789)
    XCTAssertEqual(floats("i")?.last?.isNaN, true)
    // a p-value below float32's smallest: the column keeps it (-log10 works), .data holds 0, and the warning says so
    let pv = write("pv.csv", "gene,p\na,1e-50\nb,0.5\n")
    XCTAssertTrue(c.run("v = (load \"\(pv)\").p\n"), c.err)
    XCTAssertEqual(floats("v"), [1e-50, 0.5])
    XCTAssertTrue(c.err.contains("below float32's smallest (1.4e-45): the frame's .data (float32, what umap and the other algorithms use) holds it as 0"), c.err)
    XCTAssertTrue(c.err.contains("while the column keeps the numbers as read"), c.err)
    // a one-column file without a header is that float64 vector, without a warning (nothing is lost)
    XCTAssertEqual(try load(write("one.csv", "0.123456789\n1e-50\n")), .doubleVector([0.123456789, 1e-50]))
  }

  func testAnAlgorithmsErrorNamesTheFramesColumn() throws {
    // .data leaves the text column out: its column 1 is the frame's y (the message named column 1, x in the file)
    let c = Capture()
    let p = write("nan.csv", "name,x,y\na,1,\nb,2,3\nc,3,4\nd,4,5\n")
    c.expectError("kmeans (load \"\(p)\") n_clusters=2", "non-finite value (nan) at row 0, column 1 (counted from 0): column 1 of the frame's .data is its column \"y\"")
  }

  func testNAValuesMatchNumbersByValue() throws {
    // pandas.read_csv("na.csv", na_values="-999") (or [-999]): both -999 and -999.0 are NaN; the
    // spelling alone matched -999 only (-999.0 stayed in the data)
    let p = write("na.csv", "a,b,c\n-999,2,x\n3,-999.0,-999\n-9990,-999.5,y\n")
    for o in [CSVOptions(naValues: ["-999"]), CSVOptions(naValues: ["-999.0"]), CSVOptions(naValues: [" -999 "])] {
      let t = try XCTUnwrap(table(try load(p, o)))
      let d = t.data.data
      XCTAssertTrue(d[0].isNaN && d[3].isNaN, "\(o): \(d)")
      XCTAssertEqual([d[1], d[2], d[4], d[5]], [2, 3, -9990, -999.5])
      // in a text column by spelling, as pandas: "-999" for each (pandas: ['x', nan, 'y'])
      XCTAssertEqual(t.text[0].categories, ["x", "y"])
      XCTAssertEqual(t.text[0].codes, [0, -1, 1])
    }
    // but not another spelling of the number (pandas keeps "-999.00" and "1e3" in a text column)
    // (pandas.read_csv(na_values=["-999", "1000"]): b ['-999.00', 'x', 'z'], c ['1e3', nan, 'y'])
    let q = write("na2.csv", "b,c\n-999.00,1e3\nx,1000\nz,y\n")
    let t = try XCTUnwrap(table(try load(q, CSVOptions(naValues: ["-999", "1000"]))))
    XCTAssertEqual(t.text.map(\.categories), [["-999.00", "x", "z"], ["1e3", "y"]])
    XCTAssertEqual(t.text[1].codes, [0, -1, 1])
    // and in the language, as a number
    let c = Capture()
    c.expectOutput("print (load \"\(p)\" na_values=-999.0).a\n", "[nan 3.0000 -9990.0000]\n")
  }

  func testPandasSpellingsOfHeader() throws {
    // pandas' header=None reads the first row as data and header=0 as the names; header=None itself
    // (Python's None) is told how clus writes it
    let c = Capture()
    let p = write("h2.csv", "a,b\n1,2\n3,4\n")
    c.expectOutput("print (shape (load \"\(p)\" header=none))\nprint (load \"\(p)\" header=0).columns\n", "3 × 2\n[\"a\", \"b\"]\n")
    c.expectError("load \"\(p)\" header=None", "unknown variable or command 'None'; did you mean none? (Python's None is written none in clus)")
    c.expectError("load \"\(p)\" header=1", "header=1 (a header on row 2, the rows above it skipped) is not supported")
    c.expectError("save [1, 2] \"\(dir)/x.parquet\"", "unknown file type for saving (supported: .npy, .csv, .tsv, each optionally followed by .gz; .npz for a fitted model")
  }

  func testPlotLegendShowsCategoryNames() throws {
    let c = Capture()
    c.session.display = PlotFolder(dir)
    let p = iris()
    XCTAssertTrue(c.run("d = load \"\(p)\"; f = plot d.data color=d[\"species\"] out=\"\(dir)/iris.png\""), c.err)
    guard case .figure(let f)? = c.session.variables["f"] else { return XCTFail("no figure") }
    let layout = try scatterLayout(f.layers, options: f.options)
    XCTAssertEqual(layout.legend.map(\.label), ["setosa", "versicolor", "virginica"])
    XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/iris.png"))
    // plain labels keep their numbers
    XCTAssertTrue(c.run("g = plot d.data color=(d.species.codes == 1)"), c.err)
    guard case .figure(let g)? = c.session.variables["g"] else { return XCTFail("no figure") }
    XCTAssertEqual(try scatterLayout(g.layers, options: g.options).legend.map(\.label), ["0", "1"])
  }
}
