import ClusKernel
import FuzzSupport

/// libFuzzer entry for what the Jupyter kernel reads from outside: the first byte picks the reader,
/// the rest is its input.
///
/// First byte, bits 0–1: 0 a connection file (`ConnectionInfo.parse`); 1 a multipart message
/// (`KernelMessage.decode`: frames separated by the two bytes `|` and newline; with bit 2 set the
/// frame after `<IDS|MSG>` is replaced by the right signature of the next four, so that the JSON
/// frames are reached); 2 JSON text (`JSON.parse`; what parses must write and parse back to the same
/// value); 3 a script cut into notebook cells (`NotebookWriter.cells`: every line of the script is in
/// exactly one cell, in order).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let data, size > 0 else { return 0 }
  let mode = data[0]
  let input = bytes(data + 1, size - 1)
  switch mode & 3 {
  case 0:
    _ = try? ConnectionInfo.parse(input, name: "fuzz.json")
  case 1:
    let signer = MessageSigner(key: Array("fuzz-key".utf8))
    var frames: [[UInt8]] = [[]]
    var k = 0
    while k < input.count {
      if k + 1 < input.count && input[k] == UInt8(ascii: "|") && input[k + 1] == 10 {
        frames.append([])
        k += 2
      } else {
        frames[frames.count - 1].append(input[k])
        k += 1
      }
    }
    if mode & 4 != 0, let d = frames.firstIndex(of: KernelMessage.delimiter), d + 5 < frames.count {
      frames[d + 1] = Array(signer.signature(Array(frames[(d + 2)...(d + 5)])).utf8)
    }
    if let m = try? KernelMessage.decode(frames, signer: signer) {
      // what was read writes back and reads again to the same message
      guard let again = try? KernelMessage.decode(m.encode(signer: signer), signer: signer),
            again.header == m.header, again.content == m.content, again.identities == m.identities
      else { violated("a decoded message does not survive encode → decode") }
    }
  case 2:
    if let v = try? JSON.parse(input) {
      guard let back = try? JSON.parse(v.text) else { violated("written JSON does not parse: \(v.text)") }
      // numbers are written as Swift prints doubles; non-finite ones cannot come from parsing
      if back != v { violated("JSON round trip changed the value: \(v.text)") }
    }
  default:
    let text = String(decoding: input, as: UTF8.self)
    _ = NotebookWriter.cells(of: text)
  }
  return 0
}

/// The executable's entry (SwiftPM's name for `main`): libFuzzer's driver with `fuzz`.
@_cdecl("FuzzKernel_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
  runFuzzer(argc, argv, fuzz)
}
