#if canImport(Glibc)
import Glibc
#endif
import CZmq

/// An error from libzmq: the operation and `zmq_strerror`'s text.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
  /// What was being done (`bind tcp://127.0.0.1:5555`).
  public var operation: String
  /// libzmq's description of errno.
  public var reason: String
  /// `operation: reason`.
  public var description: String { "\(operation): \(reason)" }

  init(_ operation: String) {
    self.operation = operation
    reason = String(cString: zmq_strerror(zmq_errno()))
  }
}

/// A libzmq context (one per process; its I/O thread serves every socket).
final class ZMQContext: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  init() {
    handle = zmq_ctx_new()
  }

  /// A socket of `type` (`ZMQ_ROUTER`, `ZMQ_PUB`, `ZMQ_REP`, `ZMQ_PUSH`, `ZMQ_PULL`).
  func socket(_ type: Int32) throws -> ZMQSocket {
    guard let s = zmq_socket(handle, type) else { throw ZMQError("zmq_socket") }
    return ZMQSocket(s)
  }
}

/// One libzmq socket. libzmq sockets are not thread-safe: each is used by one thread, or under a
/// lock by several (`Kernel` says which).
final class ZMQSocket: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  init(_ handle: UnsafeMutableRawPointer) {
    self.handle = handle
    // a closed socket drops what it has not sent after 1 s rather than blocking exit
    var linger: Int32 = 1000
    zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
  }

  /// Binds to `endpoint` (`tcp://127.0.0.1:5555`, `ipc:///tmp/k-1`, `inproc://name`).
  /// - Throws: `ZMQError` when the address cannot be bound (in use, bad address).
  func bind(_ endpoint: String) throws {
    if zmq_bind(handle, endpoint) != 0 { throw ZMQError("cannot bind \(endpoint)") }
  }

  /// Connects to `endpoint`.
  /// - Throws: `ZMQError`.
  func connect(_ endpoint: String) throws {
    if zmq_connect(handle, endpoint) != 0 { throw ZMQError("cannot connect to \(endpoint)") }
  }

  /// Sends `frames` as one multipart message (retrying on EINTR).
  /// - Throws: `ZMQError` when libzmq refuses (the socket closed, a ROUTER peer gone is silent).
  func send(_ frames: [[UInt8]]) throws {
    for (k, f) in frames.enumerated() {
      let flags = k + 1 < frames.count ? ZMQ_SNDMORE : 0
      while true {
        let r = f.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
        if r >= 0 { break }
        if zmq_errno() == EINTR { continue }
        throw ZMQError("zmq_send")
      }
    }
  }

  /// Receives one multipart message, waiting for it (retrying on EINTR); nil when the socket
  /// has nothing and `wait` is false.
  /// - Throws: `ZMQError` when libzmq fails.
  func receive(wait: Bool = true) throws -> [[UInt8]]? {
    var frames: [[UInt8]] = []
    while true {
      var msg = zmq_msg_t()
      zmq_msg_init(&msg)
      defer { zmq_msg_close(&msg) }
      var r: Int32
      repeat {
        r = zmq_msg_recv(&msg, handle, wait || !frames.isEmpty ? 0 : ZMQ_DONTWAIT)
      } while r < 0 && zmq_errno() == EINTR
      if r < 0 {
        if zmq_errno() == EAGAIN && frames.isEmpty { return nil }
        throw ZMQError("zmq_msg_recv")
      }
      let size = zmq_msg_size(&msg)
      if let p = zmq_msg_data(&msg), size > 0 {
        frames.append(Array(UnsafeRawBufferPointer(start: p, count: size)))
      } else {
        frames.append([])
      }
      if zmq_msg_more(&msg) == 0 { return frames }
    }
  }

  /// Closes the socket.
  func close() { zmq_close(handle) }
}

/// Waits until one of `sockets` has a message to read, or `timeoutMs` passes (-1: no limit).
/// - Returns: for each socket, whether it is readable (all false on timeout or EINTR).
func zmqPoll(_ sockets: [ZMQSocket], timeoutMs: Int) -> [Bool] {
  var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
  let r = zmq_poll(&items, Int32(items.count), timeoutMs)
  if r <= 0 { return Array(repeating: false, count: sockets.count) }
  return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
}
