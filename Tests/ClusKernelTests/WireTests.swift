import ClusKernel
import Foundation
import XCTest

/// The kernel's message layer: HMAC-SHA256 signatures, multipart framing, JSON, connection files and
/// the cutting of scripts into notebook cells.
final class WireTests: XCTestCase {
  func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

  /// RFC 4231 test cases 1 and 2 (HMAC-SHA-256), published values.
  func testHMACMatchesRFC4231() {
    let key1 = [UInt8](repeating: 0x0b, count: 20)
    XCTAssertEqual(hex(MessageSigner.hmacSHA256(key: key1, [Array("Hi There".utf8)])),
                   "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    // the message split across frames signs as the concatenation
    XCTAssertEqual(hex(MessageSigner.hmacSHA256(key: Array("Jefe".utf8),
                                                [Array("what do ya want ".utf8), Array("for nothing?".utf8)])),
                   "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
  }

  /// The signature of four frames equals Python's `hmac.new(key, digestmod=sha256)` updated with each
  /// frame in turn (what jupyter_client's Session.sign does).
  func testSignatureMatchesPythonHMAC() throws {
    let key = "a0436f6c-1916-498b-8eb9-e81ab9368e84"
    let frames = [#"{"msg_id":"1","msg_type":"execute_request"}"#, "{}", "{}", #"{"code":"umap x","silent":false}"#]
    let out = try runPythonPlain("""
      import hmac, hashlib, sys
      h = hmac.new(sys.argv[1].encode(), digestmod=hashlib.sha256)
      for f in sys.argv[2:]:
          h.update(f.encode())
      print(h.hexdigest())
      """, [key] + frames)
    let signer = MessageSigner(key: Array(key.utf8))
    XCTAssertEqual(signer.signature(frames.map { Array($0.utf8) }), out.trimmingCharacters(in: .whitespacesAndNewlines))
  }

  func message(_ type: String, identities: [[UInt8]]) -> KernelMessage {
    KernelMessage(identities: identities,
                  header: .object([("msg_id", .string("m1")), ("msg_type", .string(type)), ("session", .string("s"))]),
                  content: .object([("code", .string("print \"é\"\n")), ("silent", .bool(false))]))
  }

  /// A message with several routing identities survives encode → decode, and the identities are
  /// those before the delimiter.
  func testFramingRoundTripWithSeveralIdentities() throws {
    let signer = MessageSigner(key: Array("secret".utf8))
    let ids: [[UInt8]] = [[0, 1, 2], Array("router-2".utf8), []]
    let m = message("execute_request", identities: ids)
    let frames = m.encode(signer: signer)
    XCTAssertEqual(frames.count, 3 + 1 + 1 + 4)
    XCTAssertEqual(frames[3], Array("<IDS|MSG>".utf8))
    let back = try KernelMessage.decode(frames, signer: signer)
    XCTAssertEqual(back.identities, ids)
    XCTAssertEqual(back.type, "execute_request")
    XCTAssertEqual(back.content["code"]?.string, "print \"é\"\n")
    // extra frames after the content are buffers
    let withBuffers = try KernelMessage.decode(frames + [[9, 9]], signer: signer)
    XCTAssertEqual(withBuffers.buffers, [[9, 9]])
  }

  /// A wrong key, a changed frame, a missing signature, no delimiter, too few frames and a header that
  /// is not JSON are each refused with their own error.
  func testBadFramesAreRefused() {
    let signer = MessageSigner(key: Array("secret".utf8))
    let frames = message("execute_request", identities: [[7]]).encode(signer: signer)
    func error(_ f: [[UInt8]], _ s: MessageSigner = MessageSigner(key: Array("secret".utf8))) -> KernelMessage.WireError? {
      do { _ = try KernelMessage.decode(f, signer: s); return nil } catch { return error as? KernelMessage.WireError }
    }
    XCTAssertEqual(error(frames, MessageSigner(key: Array("other".utf8))), .badSignature)
    var changed = frames
    changed[5] = Array(#"{"msg_id":"m1","msg_type":"shutdown_request","session":"s"}"#.utf8)
    XCTAssertEqual(error(changed), .badSignature)
    var unsigned = frames
    unsigned[2] = []
    XCTAssertEqual(error(unsigned), .badSignature)
    XCTAssertEqual(error(Array(frames.dropFirst(2))), .noDelimiter)
    XCTAssertEqual(error(Array(frames.prefix(5))), .tooFewFrames(3))
    // a correctly signed header that is not JSON
    var notJSON = frames
    notJSON[3] = Array("{not json".utf8)
    notJSON[2] = Array(signer.signature(Array(notJSON[3...6])).utf8)
    if case .badJSON(let frame, _)? = error(notJSON) { XCTAssertEqual(frame, "header") } else { XCTFail("expected badJSON") }
    // with an empty key nothing is signed and anything is accepted (the protocol's authentication off)
    let open = MessageSigner(key: [])
    XCTAssertEqual(open.signature([[1]]), "")
    XCTAssertNil(error(unsigned, open))
  }

  func testJSONParsesAndWrites() throws {
    let text = #"{"a": [1, 2.5, -3e2, true, false, null], "s": "tab\t\u00e9\ud83d\ude00\"", "o": {}}"#
    let v = try JSON.parse(text)
    XCTAssertEqual(v["a"], .array([.number(1), .number(2.5), .number(-300), .bool(true), .bool(false), .null]))
    XCTAssertEqual(v["s"]?.string, "tab\té😀\"")
    XCTAssertEqual(try JSON.parse(v.text), v)
    XCTAssertEqual(JSON.object([("x", .int(3)), ("y", .string("a\nb"))]).text, #"{"x":3,"y":"a\nb"}"#)
    for bad in ["", "{", "[1,]", "{\"a\" 1}", "\"\\ud800\"", "01", "1 2", "\"\u{01}\"", String(repeating: "[", count: 300)] {
      XCTAssertThrowsError(try JSON.parse(bad), bad)
    }
  }

  func testConnectionFileChecks() throws {
    let good = #"{"transport": "tcp", "ip": "127.0.0.1", "shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005, "key": "k", "signature_scheme": "hmac-sha256", "kernel_name": "clus"}"#
    let info = try ConnectionInfo.parse(Array(good.utf8), name: "c.json")
    XCTAssertEqual(info.endpoint(info.shellPort), "tcp://127.0.0.1:5001")
    XCTAssertEqual(info.key, Array("k".utf8))
    func message(_ text: String) -> String {
      do { _ = try ConnectionInfo.parse(Array(text.utf8), name: "c.json"); return "" } catch { return "\(error)" }
    }
    XCTAssertTrue(message(good.replacingOccurrences(of: "\"tcp\"", with: "\"udp\"")).contains("unknown transport 'udp'"))
    XCTAssertTrue(message(good.replacingOccurrences(of: "5003", with: "70000")).contains("stdin_port"))
    XCTAssertTrue(message(good.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5")).contains("signature_scheme"))
    XCTAssertTrue(message("{oops").contains("not JSON"))
    XCTAssertTrue(message(#"{"shell_port": 1}"#).contains("has no iopub_port"))
    XCTAssertThrowsError(try ConnectionInfo.read(path: "/nonexistent/kernel.json")) { e in
      XCTAssertTrue("\(e)".contains("/nonexistent/kernel.json"))
    }
    let ipc = try ConnectionInfo.parse(Array(good.replacingOccurrences(of: "\"tcp\"", with: "\"ipc\"").replacingOccurrences(of: "127.0.0.1", with: "/tmp/k").utf8), name: "c")
    XCTAssertEqual(ipc.endpoint(5001), "ipc:///tmp/k-5001")
  }

  /// Comment blocks become markdown, statements code; blank lines split; an open bracket carries on.
  func testScriptCells() {
    let script = """
      #!/usr/bin/env clus
      # The title
      # two lines

      x = 1
      y = [1,

        2]
      # between
      print x  # trailing comment stays
      """
    XCTAssertEqual(NotebookWriter.cells(of: script), [
      .markdown("The title\ntwo lines"),
      .code("x = 1\ny = [1,\n\n  2]", firstLine: 5),
      .markdown("between"),
      .code("print x  # trailing comment stays", firstLine: 10),
    ])
  }
}

/// Runs Python (the repository's .venv, else python3) without needing numpy.
/// - Throws: `XCTSkip` when no Python can be started; `PythonFailed` when the script fails.
func runPythonPlain(_ script: String, _ arguments: [String]) throws -> String {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let venv = root.appendingPathComponent(".venv/bin/python3")
  let p = Process()
  if FileManager.default.isExecutableFile(atPath: venv.path) {
    p.executableURL = venv
    p.arguments = ["-c", script] + arguments
  } else {
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + arguments
  }
  let out = Pipe()
  p.standardOutput = out
  do { try p.run() } catch { throw XCTSkip("cannot run Python: \(error)") }
  let data = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  struct PythonFailed: Error { var status: Int32 }
  guard p.terminationStatus == 0 else { throw PythonFailed(status: p.terminationStatus) }
  return String(decoding: data, as: UTF8.self)
}
