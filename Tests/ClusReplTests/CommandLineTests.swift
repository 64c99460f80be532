import Foundation
import XCTest

/// The executable's contract: exit codes, error rendering with a caret, stdin scripts.
final class CommandLineTests: XCTestCase {
  func testVersionAndHelpExitZero() throws {
    let v = try runClus(["--version"])
    XCTAssertEqual(v.status, 0)
    XCTAssertTrue(v.stdout.hasPrefix("clus "))
    let h = try runClus(["--help"])
    XCTAssertEqual(h.status, 0)
    XCTAssertTrue(h.stdout.contains("USAGE"))
  }

  /// A NUL byte inside a value (a CSV column name) reaches stdout whole, and what follows it too
  /// (`fputs` stopped at the NUL and the rest of the write was lost).
  func testNulInAValueDoesNotCutTheOutput() throws {
    let path = NSTemporaryDirectory() + "clus-nul-\(getpid()).csv"
    try Data("a\u{0}b,c\n1,2\n".utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try runClus(["-e", "x = load \"\(path)\"; x.columns; print \"after\""])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stdout.contains("[\"a\u{0}b\", \"c\"]\nafter\n"), r.stdout)
  }

  /// A CLUS_MEMORY_AVAILABLE that is not a size is said to be ignored (it was silently), and the
  /// one-row refusal of hdbscan names the command once.
  func testIgnoredMemoryOverrideIsWarnedAndOneRowIsRefused() throws {
    let r = try runClus(["-e", "print 1"], env: ["CLUS_MEMORY_AVAILABLE": "abc"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertTrue(r.stderr.contains("clus: warning: ignoring CLUS_MEMORY_AVAILABLE=abc"), r.stderr)
    let ok = try runClus(["-e", "print 1"], env: ["CLUS_MEMORY_AVAILABLE": "8G"])
    XCTAssertFalse(ok.stderr.contains("warning"), ok.stderr)
    let one = try runClus(["-e", "l = hdbscan [[1.0, 2.0]]"])
    XCTAssertNotEqual(one.status, 0)
    XCTAssertTrue(one.stderr.contains("error: hdbscan: at least 2 points (rows) are needed, got 1"), one.stderr)
  }

  func testUsageErrorsExitTwo() throws {
    XCTAssertEqual(try runClus(["--no-such-flag"]).status, 2)
    XCTAssertEqual(try runClus(["--threads", "0", "-e", "1"]).status, 2)
    // more than 4 threads a core is capped, with a warning (the results do not depend on the count)
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let many = try runClus(["--threads", "1000", "-e", "print 1"])
    XCTAssertEqual(many.status, 0, many.stderr)
    XCTAssertEqual(many.stdout, "1\n")
    XCTAssertEqual(many.stderr, "clus: warning: 1000 threads is more than 4 per core (\(cores) cores): using \(4 * cores) (the results are the same for any count)\n")
    let env = try runClus(["-e", "print 1"], env: ["CLUS_THREADS": "1000"])
    XCTAssertTrue(env.stderr.contains("1000 threads is more than 4 per core"), env.stderr)
    XCTAssertEqual(try runClus(["--threads", "\(4 * cores)", "-e", "print 1"]).stderr, "")
    let negative = try runClus(["--threads", "-1", "-e", "1"])  // the value −1, not an unknown option
    XCTAssertEqual(negative.status, 2)
    XCTAssertTrue(negative.stderr.contains("--threads must be at least 1"), negative.stderr)
    let missing = try runClus(["no/such/script.clus"])
    XCTAssertEqual(missing.status, 2)
    XCTAssertEqual(missing.stderr, "clus: error: cannot read script 'no/such/script.clus': No such file or directory\n")
    // a folder opens but does not read (it gave no reason)
    let folder = try runClus([NSTemporaryDirectory()])
    XCTAssertEqual(folder.status, 2)
    XCTAssertTrue(folder.stderr.hasSuffix("': Is a directory\n"), folder.stderr)
    // a data file given as a script (it printed its bytes under "unknown character")
    let npy = NSTemporaryDirectory() + "clus-not-a-script-\(getpid()).npy"
    defer { unlink(npy) }
    FileManager.default.createFile(atPath: npy, contents: Data([0x93] + Array("NUMPY".utf8) + [1, 0]))
    let binary = try runClus([npy])
    XCTAssertEqual(binary.status, 2)
    XCTAssertEqual(binary.stderr, "clus: error: cannot read script '\(npy)': it holds binary data (NUL bytes), not a clus script (a script reads data files with load)\n")
    let csv = NSTemporaryDirectory() + "clus-not-a-script-\(getpid()).csv"
    defer { unlink(csv) }
    FileManager.default.createFile(atPath: csv, contents: Data("a,b\n1,2\n".utf8))
    let table = try runClus([csv])
    XCTAssertEqual(table.status, 2)
    XCTAssertEqual(table.stderr, "clus: error: cannot read script '\(csv)': it is a data file, not a clus script; a script reads it with load \"\(csv)\"\n")
    // bytes that are not UTF-8 (Latin-1 "é" in a string) became U+FFFD in silence (a fresh-user pass)
    let latin = NSTemporaryDirectory() + "clus-latin1-\(getpid()).clus"
    defer { unlink(latin) }
    FileManager.default.createFile(atPath: latin, contents: Data(Array("x = 1\ny = \"caf".utf8) + [0xE9, 0x22, 0x0A]))
    let latin1 = try runClus([latin])
    XCTAssertEqual(latin1.status, 2)
    XCTAssertEqual(latin1.stderr, "clus: error: cannot read script '\(latin)': byte 0xE9 at line 2, column 9 is not UTF-8 text (save the script as UTF-8)\n")
    // a UTF-16 script (it was "binary data (NUL bytes)") and a notebook (its JSON failed at the first bracket)
    let utf16 = NSTemporaryDirectory() + "clus-utf16-\(getpid()).clus", nb = NSTemporaryDirectory() + "clus-nb-\(getpid()).ipynb"
    defer { unlink(utf16); unlink(nb) }
    FileManager.default.createFile(atPath: utf16, contents: Data([0xFF, 0xFE] + Array("x = 1\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
    FileManager.default.createFile(atPath: nb, contents: Data("{\n \"cells\": []\n}\n".utf8))
    let u = try runClus([utf16])
    XCTAssertEqual(u.status, 2)
    XCTAssertEqual(u.stderr, "clus: error: cannot read script '\(utf16)': it is UTF-16 text; save the script as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)\n")
    let n = try runClus([nb])
    XCTAssertEqual(n.status, 2)
    XCTAssertTrue(n.stderr.contains("it is a Jupyter notebook, not a clus script"), n.stderr)
    // `clus kernel` usage errors exit with 2 as the others do (the parser's 64)
    let k = try runClus(["kernel", "--no-such-option"])
    XCTAssertEqual(k.status, 2, k.stderr)
    XCTAssertTrue(k.stderr.hasPrefix("Error: "), k.stderr)
  }

  /// `--set` binds strings before the code runs; a name given twice keeps the last value, as
  /// papermill's `-p`, with a warning (it was silent); a bad binding is a usage error.
  func testSetBindsStringsAndWarnsOfARepeatedName() throws {
    let r = try runClus(["--set", "k=0", "--set", "name=a b", "--set", "k=1", "-e", "print k name"])
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "1 a b\n")
    XCTAssertEqual(r.stderr, "clus: warning: --set k is given 2 times (k=0, k=1); using the last\n")
    XCTAssertEqual(try runClus(["--set", "k=0", "-e", "print k"]).stderr, "")
    let bad = try runClus(["--set", "2k=0", "-e", "print 1"])
    XCTAssertEqual(bad.status, 2)
    XCTAssertTrue(bad.stderr.contains("'2k' is not a variable name"), bad.stderr)
    // a --set number given where a command wants one names the conversion (it said only got "5")
    let text = try runClus(["--set", "k=5", "-e", "kmeans [[1.0], [2.0]] n_clusters=k"])
    XCTAssertEqual(text.status, 1)
    XCTAssertTrue(text.stderr.contains("n_clusters must be an integer, got \"5\"; text is not converted: convert it first, (int x) or (float x)"), text.stderr)
    // and as an index or a slice bound
    let index = try runClus(["--set", "k=1", "-e", "x = [1, 2, 3]\nx[k]"])
    XCTAssertTrue(index.stderr.contains("cannot index with a string; use an integer, a slice, a mask or an index vector; text is not converted"), index.stderr)
    let bound = try runClus(["--set", "k=1", "-e", "x = [1, 2, 3]\nx[0:k]"])
    XCTAssertTrue(bound.stderr.contains("a slice bound must be an integer, not string; text is not converted"), bound.stderr)
    for code in ["k * 2", "2 ** k", "k < 3", "-k"] {
      let r = try runClus(["--set", "k=2", "-e", code])
      XCTAssertTrue(r.stderr.contains("text is not converted: convert it first, (int x) or (float x)"), "\(code): \(r.stderr)")
    }
  }

  /// `exit` and `quit` end a script as Python's exit() does: nothing after them runs (not the
  /// rest of the line, a loop, the next -e code or script), with status 0 or the one given;
  /// a status outside 0...255 is an error.
  func testExitEndsTheRunWithItsStatus() throws {
    let plain = try runClus(["-e", "x = 1; exit; print 2"])
    XCTAssertEqual(plain.status, 0, plain.stderr)
    XCTAssertEqual(plain.stdout, "")
    XCTAssertEqual(plain.stderr, "")
    let given = try runClus(["-e", "print 1; exit 3", "-e", "print 2"])
    XCTAssertEqual(given.status, 3, given.stderr)
    XCTAssertEqual(given.stdout, "1\n")
    let looped = try runClus(["-"], stdin: "for i in [1, 2, 3] {\n  print i\n  quit 4\n}\nprint 9\n")
    XCTAssertEqual(looped.status, 4, looped.stderr)
    XCTAssertEqual(looped.stdout, "1\n")
    let bad = try runClus(["-e", "exit 300"])
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.stderr.contains("error: exit: the status must be 0 to 255, got 300"), bad.stderr)
    // a variable of that name is the variable
    let named = try runClus(["-e", "exit = 5; print exit"])
    XCTAssertEqual(named.stdout, "5\n")
    XCTAssertEqual(named.status, 0)
  }

  /// Output that cannot be written (standard output on a full disk) is an error with status 1, as a
  /// Python print to /dev/full is, not a silent success; a status asked for by exit is kept.
  func testUnwritableStandardOutputIsAnError() throws {
    for (args, status) in [(["-e", "print 1"], Int32(1)), (["-e", "print 1; exit 3"], 3), (["-e", "x = 1"], 0)] {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: try clusBinary())
      p.arguments = args
      p.standardOutput = try XCTUnwrap(FileHandle(forWritingAtPath: "/dev/full"))
      let err = Pipe()
      p.standardError = err
      try p.run()
      let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      p.waitUntilExit()
      XCTAssertEqual(p.terminationStatus, status, "\(args): \(message)")
      if status != 0 {
        XCTAssertEqual(message, "clus: error: cannot write the standard output: No space left on device\n", "\(args)")
      } else {
        XCTAssertEqual(message, "", "\(args): nothing was written")
      }
    }
  }

  func testScriptErrorOnLineThreeHasLocationAndCaret() throws {
    let dir = NSTemporaryDirectory() + "clus-cli-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/bad.clus"
    try "x = 1\ny = x + 1\nz = y + nosuch\n".write(toFile: path, atomically: true, encoding: .utf8)
    let r = try runClus([path])
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(
      r.stderr,
      "\(path):3:9: error: unknown variable or command 'nosuch'\nz = y + nosuch\n        ^~~~~~\n")
  }

  func testStdinScriptAndDashAndExecute() throws {
    let r = try runClus([], stdin: "a = 2\na * 21\n")
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "42\n")
    let d = try runClus(["-"], stdin: "3 + 4\n")
    XCTAssertEqual(d.stdout, "7\n")
    let e = try runClus(["-e", "x = 5; x * 2"])
    XCTAssertEqual(e.stdout, "10\n")
    // code starting with '-' is still the value of -e, not an option
    let neg = try runClus(["-e", "-7 / 2"])
    XCTAssertEqual(neg.status, 0, neg.stderr)
    XCTAssertEqual(neg.stdout, "-3.5000\n")
    // a script on standard input is read as a script file is: its byte-order mark dropped (it was an
    // unknown character), Latin-1 bytes refused (they became U+FFFD in silence)
    let bom = try runClus(["-"], stdinBytes: [0xEF, 0xBB, 0xBF] + Array("print (6 * 7)\n".utf8))
    XCTAssertEqual(bom.status, 0, bom.stderr)
    XCTAssertEqual(bom.stdout, "42\n")
    let latin = try runClus([], stdinBytes: Array("x = \"caf".utf8) + [0xE9, 0x22, 0x0A])
    XCTAssertEqual(latin.status, 2)
    XCTAssertEqual(latin.stderr, "clus: error: cannot read script '<stdin>': byte 0xE9 at line 1, column 9 is not UTF-8 text (save the script as UTF-8)\n")
    // and so is -e code (through a shell: a Swift string cannot hold the byte)
    let arg = try runClus(["-c", "exec \"$0\" -e \"$(printf 'print \"caf\\351\"')\"", try clusBinary()], executable: "/bin/sh")
    XCTAssertEqual(arg.status, 2, arg.stderr)
    XCTAssertTrue(arg.stderr.contains("argument 2 is not UTF-8 text: byte 0xE9 at byte 11"), arg.stderr)
  }

  func testUnknownParameterSuggestsNearestName() throws {
    let r = try runClus(["-e", "unique [1, 2, 2] countz=true"])
    XCTAssertEqual(r.status, 1)
    XCTAssertTrue(r.stderr.contains("unique has no parameter 'countz'; did you mean counts?"), r.stderr)
    XCTAssertTrue(r.stderr.hasPrefix("<-e>:1:18: error:"), r.stderr)
  }

  func testBadDataGivesClearErrorsFromEveryAlgorithm() throws {
    let dir = NSTemporaryDirectory() + "clus-bad-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "1,2\n3,nan\n5,6\n7,8\n".write(toFile: dir + "/nan.csv", atomically: true, encoding: .utf8)
    for cmd in ["umap x", "hdbscan x", "kmeans x n_clusters=2", "pca x"] {
      let r = try runClus(["-e", "x = load \"\(dir)/nan.csv\"; \(cmd)"])
      XCTAssertEqual(r.status, 1, cmd)
      XCTAssertTrue(r.stderr.contains("non-finite value (nan) at row 1, column 1"), "\(cmd): \(r.stderr)")
    }
    let empty = try runClus(["-e", "x = load \"\(dir)/nan.csv\"; umap x[x[:, 0] > 100]"])
    XCTAssertEqual(empty.status, 1)
    XCTAssertTrue(empty.stderr.contains("empty"), empty.stderr)
    let lengths = try runClus(["-e", "score [1, 2, 3] [1, 2]"])
    XCTAssertEqual(lengths.status, 1)
    XCTAssertTrue(lengths.stderr.contains("score:"), lengths.stderr)
    // the commands that take new points: NaN rows, no rows, an unknown parameter
    try "1,2\n3,4\n5,6\n7,8\n1,3\n2,2\n6,7\n8,8\n".write(toFile: dir + "/ok.csv", atomically: true, encoding: .utf8)
    let fit = "x = load \"\(dir)/ok.csv\"; y = load \"\(dir)/nan.csv\"; e = umap x n_neighbors=3 random_state=1; l = hdbscan x min_cluster_size=2; "
    for cmd in ["transform e y", "approximate_predict l y", "membership_vector l y"] {
      let r = try runClus(["-e", fit + cmd])
      XCTAssertEqual(r.status, 1, cmd)
      XCTAssertTrue(r.stderr.contains("non-finite value (nan) at row 1, column 1"), "\(cmd): \(r.stderr)")
      let none = try runClus(["-e", fit + cmd.replacingOccurrences(of: " y", with: " x[x[:, 0] > 100]")])
      XCTAssertEqual(none.status, 1, cmd)
      XCTAssertTrue(none.stderr.contains("empty"), "\(cmd): \(none.stderr)")
    }
    let typo = try runClus(["-e", fit + "transform e x transform_sed=1"])
    XCTAssertTrue(typo.stderr.contains("did you mean transform_seed?"), typo.stderr)
    try Data([0x1f, 0x8b, 0x08, 0x00, 0x01]).write(to: URL(fileURLWithPath: dir + "/t-labels-idx1-ubyte.gz"))
    let gz = try runClus(["-e", "load \"\(dir)/t-labels-idx1-ubyte.gz\""])
    XCTAssertEqual(gz.status, 1)
    XCTAssertTrue(gz.stderr.contains("t-labels-idx1-ubyte.gz"), gz.stderr)
  }

  /// No source text may kill the process with a signal: long chains and deep nesting end in a clean
  /// error (exit 1) before the tree gets deep enough to overflow the stack when evaluated or freed.
  func testLongChainsAndDeepNestingExitCleanly() throws {
    let chain = "expression nested too deeply (limit 1000 levels, each operator of a chain counting as one)"
    let nesting = "expression nested too deeply (limit 200 levels of brackets, prefix operators and calls)"
    let cases: [(String, String)] = [
      (Array(repeating: "1", count: 90_000).joined(separator: "+") + "\n", chain),
      (Array(repeating: "1", count: 1_000_000).joined(separator: "+") + "\n", chain),
      ("x = " + Array(repeating: "1", count: 90_000).joined(separator: " + ") + "\n", chain),
      (String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + "\n", nesting),
      (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n", nesting),
      (String(repeating: "-", count: 100_000) + "1\n", nesting),
      ("a = 1\na" + String(repeating: ".b", count: 100_000) + "\n", chain),
    ]
    for (source, message) in cases {
      let r = try runClus([], stdin: source)
      XCTAssertEqual(r.status, 1, "\(source.prefix(40)): \(r.stderr.prefix(300))")
      XCTAssertTrue(r.stderr.hasPrefix("<stdin>:"), String(r.stderr.prefix(300)))
      XCTAssertTrue(r.stderr.contains(message), String(r.stderr.prefix(300)))
      XCTAssertLessThan(r.stderr.count, 600, "the source line is shown as a window around the caret")
    }
    // the longest accepted chain gives its value
    let r = try runClus([], stdin: Array(repeating: "1", count: 999).joined(separator: "+") + "\n")
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "999\n")
  }

  /// `count l == 1` never silently means `(count l) == 1`: the error shows both readings with a caret.
  func testCallBeforeOperatorIsAnErrorWithBothReadings() throws {
    let r = try runClus(["-e", "l = [1, 0, 1]; count l == 1"])
    XCTAssertEqual(r.status, 1)
    XCTAssertEqual(
      r.stderr,
      "<-e>:1:24: error: a command call before an operator is ambiguous (its arguments end at the operator): write (count l) == 1 or count (l == 1)\nl = [1, 0, 1]; count l == 1\n                       ^~\n")
    let ok = try runClus(["-e", "l = [1, 0, 1]; count (l == 1); (count l) == 1; mean (l >= 1)"])
    XCTAssertEqual(ok.status, 0, ok.stderr)
    XCTAssertEqual(ok.stdout, "2\nfalse\n0.6667\n")
  }

  /// A `for` loop in a script: the body runs per item, its bindings stay, an error points into it.
  func testForLoopInAScript() throws {
    let r = try runClus([], stdin: "for k in [1, 2, 3] {\n  sq = k * k\n  print k sq\n}\nprint k sq\n")
    XCTAssertEqual(r.status, 0, r.stderr)
    XCTAssertEqual(r.stdout, "1 1\n2 4\n3 9\n3 9\n")
    let bad = try runClus([], stdin: "for k in [1, 0] {\n  print (1 + [k, 2])[5]\n}\n")
    XCTAssertEqual(bad.status, 1)
    XCTAssertTrue(bad.stderr.hasPrefix("<stdin>:2:22: error: index 5 is out of range for 2 elements (in the for loop, k = 1)\n"), bad.stderr)
    XCTAssertTrue(bad.stderr.contains("(in the for loop, k = 1)\n  print (1 + [k, 2])[5]\n"), bad.stderr)
  }

  /// Parameters that size allocations are checked against the memory available before anything
  /// is allocated (an error naming the parameter, never an abort), and the others have upper bounds.
  func testParametersThatSizeAllocationsAreCheckedFirst() throws {
    let dir = NSTemporaryDirectory() + "clus-mem-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let rows = (0..<300).map { i in (0..<4).map { j in String((i * 7 + j * 13) % 29) }.joined(separator: ",") }
    try (rows.joined(separator: "\n") + "\n").write(toFile: dir + "/x.csv", atomically: true, encoding: .utf8)
    let load = "x = load \"\(dir)/x.csv\" header=false\n"
    // (an amount within the machine's memory and swap: a larger one is capped to them)
    let big = try runClus([], stdin: load + "e = umap x n_components=100000\n", env: ["CLUS_MEMORY_AVAILABLE": "2.3e9"])
    XCTAssertEqual(big.status, 1, big.stderr)
    XCTAssertEqual(
      big.stderr,
      "<stdin>:2:12: error: umap: n_components=100000 is out of range: it needs about 2.4 GB (300 rows × 100000 components); this machine has 2.3 GB available\ne = umap x n_components=100000\n           ^~~~~~~~~~~~~~~~~~~\n")
    // with the machine's own MemAvailable
    let huge = try runClus([], stdin: load + "umap x n_components=100000000\n")
    XCTAssertEqual(huge.status, 1, huge.stderr)
    // an override beyond the machine's memory and swap is capped to them, with a warning: the
    // allocation it let through ended the process ("failed to allocate", SIGABRT)
    for given in ["100T", "1e19", "8E"] {
      let over = try runClus([], stdin: load + "umap x n_components=100000000\n", env: ["CLUS_MEMORY_AVAILABLE": given])
      XCTAssertEqual(over.status, 1, over.stderr)
      XCTAssertTrue(over.stderr.hasPrefix("clus: warning: CLUS_MEMORY_AVAILABLE=\(given) is more than this machine's memory and swap: using "), over.stderr)
      XCTAssertTrue(over.stderr.contains("umap: n_components=100000000 is out of range: it needs about 2.4 TB"), over.stderr)
    }
    XCTAssertTrue(huge.stderr.contains("umap: n_components=100000000 is out of range: it needs about 2.4 TB (300 rows × 100000000 components); this machine has "), huge.stderr)
    // the whole run's estimate (docs/benchmarks.md) against a small artificial limit: refused
    // before any work, with the estimate and what to do. umap: 300 rows × max(4·4 + 22·15 + 60,
    // 48·15 + 100·3 + 40) + 8 bytes = 0.32 MB; hdbscan: 300 × (16·4 + 16·11 + 250) = 0.147 MB
    // a default parameter is never blamed: the whole run's message comes even at a tiny limit; two
    // amounts that would read the same get more decimals (0.15 MB against 0.10 MB, not 0.1 and 0.1)
    for (code, limit, expected) in [
      ("e = umap x", "1e5", "<stdin>:2:5: error: umap: the run needs about 0.3 MB beyond its input (300 rows × 4 columns, n_neighbors=15); this machine has 0.1 MB available: use fewer neighbours (n_neighbors) or a sample of the rows (x[0:N])\n"),
      ("e = umap x", "1k", "<stdin>:2:5: error: umap: the run needs about 0.3 MB beyond its input"),
      ("l = hdbscan x", "1e3", "<stdin>:2:5: error: hdbscan: the run needs about 0.1 MB beyond its input (300 rows × 4 columns, min_cluster_size=5); this machine has 1 kB available: use a sample of the rows (x[0:N]), fewer columns (umap or pca first)\n"),
      ("l = hdbscan x min_samples=10", "1e5", "<stdin>:2:5: error: hdbscan: the run needs about 0.15 MB beyond its input (300 rows × 4 columns, min_samples=10); this machine has 0.10 MB available: use a sample of the rows (x[0:N]), fewer columns (umap or pca first) or a smaller min_samples\n"),
    ] {
      let r = try runClus([], stdin: load + code + "\n", env: ["CLUS_MEMORY_AVAILABLE": limit])
      XCTAssertEqual(r.status, 1, "\(code) at \(limit): \(r.stderr)")
      XCTAssertTrue(r.stderr.hasPrefix(expected), "\(code) at \(limit): \(r.stderr)")
    }
    // n_neighbors above the rows: the message quotes the value typed and the one used (the rows
    // less one, as umap-learn truncates it), whose estimate it is
    let clipped = try runClus([], stdin: load + "e = umap x n_neighbors=1000\n", env: ["CLUS_MEMORY_AVAILABLE": "1e5"])
    XCTAssertEqual(clipped.status, 1, clipped.stderr)
    XCTAssertTrue(clipped.stderr.contains("the run needs about 4.4 MB beyond its input (300 rows × 4 columns, n_neighbors=1000, used as 299, the rows less one); this machine has 0.1 MB available"), clipped.stderr)
    // just below 0.1 MB available: one unit for both amounts (it said "0.1 MB" against "100 kB")
    let units = try runClus([], stdin: load + "l = hdbscan x min_samples=10\n", env: ["CLUS_MEMORY_AVAILABLE": "99500"])
    XCTAssertTrue(units.stderr.contains("the run needs about 0.15 MB beyond its input (300 rows × 4 columns, min_samples=10); this machine has 0.10 MB available"), units.stderr)
    let fits = try runClus([], stdin: load + "l = hdbscan x min_samples=10\nprint (shape l)\n", env: ["CLUS_MEMORY_AVAILABLE": "2e5"])
    XCTAssertEqual(fits.status, 0, fits.stderr)
    let km = try runClus([], stdin: load + "kmeans x n_clusters=100000000000\n", env: ["CLUS_MEMORY_AVAILABLE": "1e9"])
    XCTAssertTrue(km.stderr.contains("kmeans: n_clusters=100000000000 is out of range: it needs about 246.4 TB (100000000000 centres × 4 columns, distances to 300 rows); this machine has 1.0 GB available"), km.stderr)
    let tw = try runClus([], stdin: load + "trustworthiness x x n_neighbors=140\n", env: ["CLUS_MEMORY_AVAILABLE": "1e5"])
    XCTAssertEqual(tw.status, 1, tw.stderr)
    // 300 rows × 141 neighbours × 24 bytes = 1.0 MB > 0.1 MB
    XCTAssertTrue(tw.stderr.contains("trustworthiness: n_neighbors=140 is out of range: it needs about "), tw.stderr)
    XCTAssertTrue(tw.stderr.contains("(300 rows × 141 neighbours); this machine has "), tw.stderr)
    for (code, message) in [
      ("umap x n_epochs=1000000", "umap: n_epochs=1000000 is out of range: it must be in [0, 100000]"),
      ("umap x negative_sample_rate=100000", "umap: negative_sample_rate=100000 is out of range: it must be in [0, 1000]"),
      ("kmeans x n_init=5000", "kmeans: n_init=5000 is out of range: it must be in [1, 1000]"),
      ("kmeans x max_iter=10000000", "kmeans: max_iter=10000000 is out of range: it must be in [1, 1000000]"),
    ] {
      let r = try runClus([], stdin: load + code + "\n")
      XCTAssertEqual(r.status, 1, r.stderr)
      XCTAssertTrue(r.stderr.contains(message), r.stderr)
    }
    // values within memory still run
    let ok = try runClus([], stdin: load + "shape (umap x n_components=3 n_epochs=5 random_state=1)\n")
    XCTAssertEqual(ok.status, 0, ok.stderr)
    XCTAssertEqual(ok.stdout, "300 × 3\n")
  }
}

/// Models that outlive the process: one `clus` fits and saves them with `--threads 2`, another
/// loads them with `--threads 1` through `--set`, and their predictions are the same bytes.
final class ModelFileCommandLineTests: XCTestCase {
  func testPredictionsInANewProcessAreTheSameBytes() throws {
    let dir = NSTemporaryDirectory() + "clus-models-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fixtures = repoRoot + "/Tests/ClusRuntimeTests/Fixtures/models"
    let fit = try runClus(["--threads", "2", "-e", """
      x = load "\(fixtures)/data.npy"; y = load "\(fixtures)/new.npy"
      e = umap x n_neighbors=8 n_epochs=40 random_state=11; l = hdbscan e min_samples=4 min_cluster_size=8
      k = kmeans x n_clusters=4 random_state=2; q = pca x n_components=2
      save e "\(dir)/e.npz"; save l "\(dir)/l.npz"; save k "\(dir)/k.npz"; save q "\(dir)/q.npz"
      t = transform e y; save t "\(dir)/t1.npy"; p = approximate_predict l t; save p.labels "\(dir)/p1.npy"
      save (predict k y) "\(dir)/k1.npy"; save (transform q y) "\(dir)/q1.npy"
      """])
    XCTAssertEqual(fit.status, 0, fit.stderr)
    let script = dir + "/predict.clus"
    try """
      y = load input
      e = load (folder + "/e.npz"); l = load (folder + "/l.npz"); k = load (folder + "/k.npz"); q = load (folder + "/q.npz")
      t = transform e y; save t (folder + "/t2.npy"); p = approximate_predict l t; save p.labels (folder + "/p2.npy")
      save (predict k y) (folder + "/k2.npy"); save (transform q y) (folder + "/q2.npy")
      """.write(toFile: script, atomically: true, encoding: .utf8)
    let again = try runClus(["--threads", "1", script, "--set", "folder=\(dir)", "--set", "input=\(fixtures)/new.npy"])
    XCTAssertEqual(again.status, 0, again.stderr)
    for name in ["t", "p", "k", "q"] {
      let a = FileManager.default.contents(atPath: "\(dir)/\(name)1.npy"), b = FileManager.default.contents(atPath: "\(dir)/\(name)2.npy")
      XCTAssertNotNil(a, name)
      XCTAssertEqual(a, b, "\(name): the prediction of the loaded model differs")
    }
  }
}
