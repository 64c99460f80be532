#if canImport(Glibc)
import Glibc
#endif
import ClusAlgorithms
import ClusLang
import ClusRuntime
import CZmq
import Foundation

/// A Jupyter kernel for clus (messaging protocol 5.3 over ZeroMQ).
///
/// Threads and sockets:
/// - heartbeat thread: the `hb` REP socket, echoing every message (and ending the process when the
///   launcher that started it, `JPY_PARENT_PID`, is gone);
/// - control thread: the `control` ROUTER socket (kernel_info, interrupt, shutdown), answered at
///   once even while a cell runs;
/// - shell thread: the `shell` ROUTER socket. It answers kernel_info, comm_info, is_complete,
///   interrupt and shutdown itself, and queues execute, complete, inspect and history, which touch
///   the session, for the execution thread; it also forwards that thread's replies (an inproc PULL
///   socket) to the shell socket, which only it uses;
/// - execution thread (the caller of `run`): runs cells in the session, one at a time;
/// - iopub (PUB) is shared by every thread, under a lock; stdin is bound and unused (clus never
///   asks for input).
/// A message whose signature does not match is dropped with a line on stderr, never executed.
public final class Kernel: @unchecked Sendable {
  let info: ConnectionInfo
  let session: Session
  let signer: MessageSigner
  let factory = MessageFactory()
  private let context = ZMQContext()
  private let shell, control, stdinSocket, iopub, heartbeat, repliesIn, repliesOut: ZMQSocket
  private let iopubLock = Locked<Void>(())
  private let jobs = JobQueue()
  private var runner: CellRunner!
  /// The request whose cell is running (outputs go to iopub with it as parent); execution thread.
  private let current = Locked<KernelMessage?>(nil)
  /// `In [n]`: the count of executions stored in history.
  private var executionCount = 0
  /// The cells run with `store_history`, in order, with their counts (for history requests).
  private var history: [(Int, String)] = []
  /// Execute requests received before this time are answered `aborted`: after an error with
  /// `stop_on_error`, the requests already queued (a "Run All" in flight), as ipykernel aborts its
  /// queue (its `stop_on_error_timeout` is 0 by default, as here).
  private var abortBefore = -Double.infinity
  /// The process that started the kernel, when it says so as jupyter_client's launcher does
  /// (`JPY_PARENT_PID`, checked against our parent): its end ends the kernel, as ipykernel's parent
  /// poller does. 0 (never) when the variable is missing or names another process.
  private let parentPID: pid_t = {
    guard let e = getenv("JPY_PARENT_PID"), let p = pid_t(String(cString: e)), p > 1, p == getppid() else { return 0 }
    return p
  }()


  /// Binds the five sockets of `info` (and nothing else) and takes over `session`'s output.
  /// - Throws: `ZMQError` naming the endpoint when a socket cannot be bound (address in use, bad ip).
  public init(info: ConnectionInfo, session: Session) throws {
    self.info = info
    self.session = session
    signer = MessageSigner(key: info.key)
    shell = try context.socket(ZMQ_ROUTER)
    control = try context.socket(ZMQ_ROUTER)
    stdinSocket = try context.socket(ZMQ_ROUTER)
    iopub = try context.socket(ZMQ_PUB)
    heartbeat = try context.socket(ZMQ_REP)
    repliesIn = try context.socket(ZMQ_PULL)
    repliesOut = try context.socket(ZMQ_PUSH)
    try shell.bind(info.endpoint(info.shellPort))
    try control.bind(info.endpoint(info.controlPort))
    try stdinSocket.bind(info.endpoint(info.stdinPort))
    try iopub.bind(info.endpoint(info.iopubPort))
    try heartbeat.bind(info.endpoint(info.hbPort))
    let inproc = "inproc://clus-shell-replies-\(UInt(bitPattern: ObjectIdentifier(self).hashValue))"
    try repliesIn.bind(inproc)
    try repliesOut.connect(inproc)
    runner = CellRunner(session: session, progress: true) { [unowned self] out in self.publishOutput(out) }
  }

  // MARK: - Running

  /// Serves until a shutdown request or the parent's end, then exits the process (code 0).
  public func run() -> Never {
    if !signer.enabled { log("the connection file has an empty key: messages are not signed or checked") }
    startThread("clus-heartbeat") { [unowned self] in self.serveHeartbeat() }
    startThread("clus-control") { [unowned self] in self.serveControl() }
    startThread("clus-shell") { [unowned self] in self.serveShell() }
    publishStatus("starting", parent: nil)
    while true { handleQueued(jobs.take()) }
  }

  private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let t = Thread(block: body)
    t.name = name
    t.start()
  }

  private func log(_ s: String) {
    fputs("clus kernel: \(s)\n", stderr)
    fflush(stderr)
  }

  // Each serving loop calls a function that is never inlined for one round: with the round's body
  // inlined, Swift 6.3's optimiser (loop-invariant code motion) ran for more than 15 minutes on this file.
  private func serveHeartbeat() {
    while true { heartbeatRound() }
  }

  @inline(never)
  private func heartbeatRound() {
    if zmqPoll([heartbeat], timeoutMs: 1000)[0] {
      if let m = try? heartbeat.receive(wait: false) { try? heartbeat.send(m) }
    }
    if parentPID > 1 && getppid() != parentPID {
      log("the process that started the kernel has ended; exiting")
      exitNow()
    }
  }

  private func receive(_ socket: ZMQSocket, _ channel: String) -> KernelMessage? {
    guard let frames = (try? socket.receive(wait: false)) ?? nil else { return nil }
    do {
      return try KernelMessage.decode(frames, signer: signer)
    } catch {
      log("dropped a message on \(channel): \(error)")
      return nil
    }
  }

  private func serveControl() {
    while true { controlRound() }
  }

  @inline(never)
  private func controlRound() {
    guard zmqPoll([control], timeoutMs: -1)[0], let m = receive(control, "control") else { return }
    publishStatus("busy", parent: m)
    switch m.type {
    case "kernel_info_request": send(control, reply(m, "kernel_info_reply", kernelInfo()))
    case "interrupt_request":
      session.cancellation.cancel()
      send(control, reply(m, "interrupt_reply", .object([("status", .string("ok"))])))
    case "shutdown_request": shutdown(m, on: control)
    default: log("ignored \(m.type) on control")
    }
    publishStatus("idle", parent: m)
  }

  private func serveShell() {
    while true { shellRound() }
  }

  @inline(never)
  private func shellRound() {
    let ready = zmqPoll([shell, repliesIn], timeoutMs: -1)
    if ready[1] {
      while let frames = (try? repliesIn.receive(wait: false)) ?? nil { try? shell.send(frames) }
    }
    guard ready[0], let m = receive(shell, "shell") else { return }
    switch m.type {
    case "execute_request", "complete_request", "inspect_request", "history_request":
      jobs.put(Job(message: m, received: monotonicSeconds()))
    case "kernel_info_request", "comm_info_request", "is_complete_request", "interrupt_request":
      publishStatus("busy", parent: m)
      switch m.type {
      case "kernel_info_request": send(shell, reply(m, "kernel_info_reply", kernelInfo()))
      case "comm_info_request":
        send(shell, reply(m, "comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))])))
      case "is_complete_request": send(shell, reply(m, "is_complete_reply", isComplete(m.content["code"]?.string ?? "")))
      default:
        session.cancellation.cancel()
        send(shell, reply(m, "interrupt_reply", .object([("status", .string("ok"))])))
      }
      publishStatus("idle", parent: m)
    case "shutdown_request":
      publishStatus("busy", parent: m)
      shutdown(m, on: shell)
    default:
      // comm_open and friends: clus has no widgets; ipykernel ignores unknown types the same way
      log("ignored \(m.type) on shell")
    }
  }

  private func shutdown(_ m: KernelMessage, on socket: ZMQSocket) {
    session.cancellation.cancel()
    let restart = m.content["restart"]?.bool ?? false
    send(socket, reply(m, "shutdown_reply", .object([("status", .string("ok")), ("restart", .bool(restart))])))
    publishStatus("idle", parent: m)
    usleep(100_000)  // libzmq's I/O thread sends the reply
    exitNow()
  }

  private func exitNow() -> Never {
    fflush(stdout)
    fflush(stderr)
    _exit(0)
  }

  // MARK: - Sending

  private func reply(_ request: KernelMessage, _ type: String, _ content: JSON) -> KernelMessage {
    factory.message(type, content, parent: request, route: true)
  }

  /// Sends on a socket the calling thread owns.
  private func send(_ socket: ZMQSocket, _ m: KernelMessage) {
    do { try socket.send(m.encode(signer: signer)) } catch { log("cannot send \(m.type): \(error)") }
  }

  /// Sends a shell reply from the execution thread (through the shell thread).
  private func sendShellReply(_ m: KernelMessage) {
    do { try repliesOut.send(m.encode(signer: signer)) } catch { log("cannot send \(m.type): \(error)") }
  }

  private func publish(_ type: String, _ content: JSON, parent: KernelMessage?) {
    var m = factory.message(type, content, parent: parent)
    // the topic frame ipykernel uses: kernel.<session>.<type>
    m.identities = [Array("kernel.\(factory.session).\(type)".utf8)]
    let frames = m.encode(signer: signer)
    iopubLock.withLock { _ in
      do { try iopub.send(frames) } catch { log("cannot publish \(type): \(error)") }
    }
  }

  private func publishStatus(_ state: String, parent: KernelMessage?) {
    publish("status", .object([("execution_state", .string(state))]), parent: parent)
  }

  private func publishOutput(_ out: CellOutput) {
    guard let parent = current.withLock({ $0 }) else { return }
    if parent.content["silent"]?.bool == true { return }
    switch out {
    case .stream(let name, let text):
      publish("stream", .object([("name", .string(name)), ("text", .string(text))]), parent: parent)
    case .displayData(let data, let metadata):
      publish("display_data", .object([("data", data), ("metadata", metadata), ("transient", .object([]))]), parent: parent)
    case .executeResult(let data, let metadata):
      publish("execute_result", .object([("execution_count", .int(executionCount)), ("data", data), ("metadata", metadata)]),
              parent: parent)
    case .progress(let id, let text, let update):
      publish(update ? "update_display_data" : "display_data",
              .object([("data", .object([("text/plain", .string(text))])), ("metadata", .object([])),
                       ("transient", .object([("display_id", .string(id))]))]), parent: parent)
    case .error(let name, let value, let traceback):
      publish("error", .object([("ename", .string(name)), ("evalue", .string(value)),
                                ("traceback", .array(traceback.map { .string($0) }))]), parent: parent)
    }
  }

  // MARK: - Requests

  func kernelInfo() -> JSON {
    .object([
      ("status", .string("ok")), ("protocol_version", .string("5.3")),
      ("implementation", .string("clus")), ("implementation_version", .string(ClusRuntime.version)),
      ("language_info", Kernel.languageInfo),
      ("banner", .string("clus \(ClusRuntime.version) — UMAP, HDBSCAN, K-Means, PCA and scores; type help for the commands")),
      ("help_links", .array([])), ("debugger", .bool(false)),
    ])
  }

  /// `language_info`, in kernel_info replies and notebooks' metadata. clus has no Pygments lexer or
  /// CodeMirror mode of its own; Python's highlight its comments, strings, numbers and `and`/`or`/`not`/`for`/`in`.
  public static let languageInfo: JSON = .object([
    ("name", .string("clus")), ("version", .string(ClusRuntime.version)), ("mimetype", .string("text/x-clus")),
    ("file_extension", .string(".clus")), ("pygments_lexer", .string("python")),
    ("codemirror_mode", .string("python")), ("nbconvert_exporter", .string("script")),
  ])

  /// The REPL's continuation rule: `incomplete` while a bracket or string is open; `invalid` when
  /// the brackets are closed but the code does not parse; else `complete`.
  func isComplete(_ code: String) -> JSON {
    let status: String
    if !Parser.isComplete(code) {
      status = "incomplete"
    } else {
      do {
        _ = try Parser.parse(SourceFile(name: "<cell>", text: code))
        status = "complete"
      } catch {
        status = "invalid"
      }
    }
    var m: [(String, JSON)] = [("status", .string(status))]
    if status == "incomplete" { m.append(("indent", .string(""))) }
    return .object(m)
  }

  @inline(never)
  private func handleQueued(_ job: Job) {
    let m = job.message
    publishStatus("busy", parent: m)
    defer { publishStatus("idle", parent: m) }
    switch m.type {
    case "execute_request":
      if job.received < abortBefore {
        sendShellReply(reply(m, "execute_reply", .object([("status", .string("aborted")), ("execution_count", .int(executionCount))])))
        return
      }
      execute(m)
    case "complete_request": sendShellReply(reply(m, "complete_reply", complete(m.content)))
    case "inspect_request": sendShellReply(reply(m, "inspect_reply", inspect(m.content)))
    case "history_request": sendShellReply(reply(m, "history_reply", historyReply(m.content)))
    default: break
    }
  }

  private func execute(_ m: KernelMessage) {
    guard let code = m.content["code"]?.string else {
      log("refused an execute_request whose code is not a string")
      sendShellReply(reply(m, "execute_reply", .object([
        ("status", .string("error")), ("execution_count", .int(executionCount)), ("ename", .string("Error")),
        ("evalue", .string("execute_request: code must be a string")), ("traceback", .array([])),
      ])))
      return
    }
    let silent = m.content["silent"]?.bool ?? false
    let storeHistory = silent ? false : (m.content["store_history"]?.bool ?? true)
    let stopOnError = m.content["stop_on_error"]?.bool ?? true
    if storeHistory { executionCount += 1 }
    if !silent {
      publish("execute_input", .object([("code", .string(code)), ("execution_count", .int(executionCount))]), parent: m)
    }
    if storeHistory { history.append((executionCount, code)) }
    current.withLock { $0 = m }
    session.cancellation.reset()
    let status = runner.run(code, name: "<cell>")
    current.withLock { $0 = nil }
    var content: [(String, JSON)]
    switch status {
    case .ok:
      content = [("status", .string("ok")), ("execution_count", .int(executionCount)),
                 ("user_expressions", userExpressions(m.content["user_expressions"])), ("payload", .array([]))]
    case .error(let name, let value, let traceback):
      content = [("status", .string("error")), ("execution_count", .int(executionCount)), ("ename", .string(name)),
                 ("evalue", .string(value)), ("traceback", .array(traceback.map { .string($0) }))]
      // a silent request (a frontend's background one) never aborts the queue, as in ipykernel
      if stopOnError && !silent { abortBefore = monotonicSeconds() }
    }
    sendShellReply(reply(m, "execute_reply", .object(content)))
  }

  /// `user_expressions` after a cell that ran: each expression evaluated in the session, its value
  /// as a MIME bundle (`status: ok`) or its error (`status: error`, as ipykernel reports them).
  func userExpressions(_ request: JSON?) -> JSON {
    guard case .object(let items)? = request else { return .object([]) }
    return .object(items.map { key, expr in
      guard let text = expr.string else {
        return (key, .object([("status", .string("error")), ("ename", .string("Error")),
                              ("evalue", .string("a user expression must be a string")), ("traceback", .array([]))]))
      }
      do {
        let v = try session.evaluate(Parser.parseExpression(text))
        return (key, .object([("status", .string("ok")), ("data", CellRunner.bundle(v)), ("metadata", .object([]))]))
      } catch {
        let message = (error as? RuntimeError)?.message ?? (error as? Diagnostic)?.message ?? "\(error)"
        return (key, .object([("status", .string("error")), ("ename", .string("Error")), ("evalue", .string(message)),
                              ("traceback", .array([]))]))
      }
    })
  }

  /// Completion at `cursor_pos` (Unicode code points, as protocol 5.2+ counts) with the REPL's rules.
  func complete(_ content: JSON) -> JSON {
    let code = content["code"]?.string ?? ""
    let scalars = Array(code.unicodeScalars)
    let cursor = min(max(0, content["cursor_pos"]?.int ?? scalars.count), scalars.count)
    var prefix = String.UnicodeScalarView()
    prefix.append(contentsOf: scalars[0..<cursor])
    let byteCursor = String(prefix).utf8.count
    let word = Completions.word(in: code, cursor: byteCursor)
    let (matches, _) = Completions.candidates(in: session, line: code, cursor: byteCursor, word: word)
    return .object([
      ("status", .string("ok")), ("matches", .array(matches.map { .string($0) })),
      ("cursor_start", .int(cursor - word.unicodeScalars.count)), ("cursor_end", .int(cursor)),
      ("metadata", .object([])),
    ])
  }

  /// Inspection of the name at `cursor_pos`: a command's help (what `help NAME` prints), or a
  /// variable's kind and shape.
  func inspect(_ content: JSON) -> JSON {
    let code = content["code"]?.string ?? ""
    let scalars = Array(code.unicodeScalars)
    let cursor = min(max(0, content["cursor_pos"]?.int ?? scalars.count), scalars.count)
    func isName(_ s: Unicode.Scalar) -> Bool {
      if s == "_" || s.properties.isAlphabetic { return true }
      return s.value >= 0x30 && s.value <= 0x39
    }
    var lo = cursor, hi = cursor
    while lo > 0 && isName(scalars[lo - 1]) { lo -= 1 }
    while hi < scalars.count && isName(scalars[hi]) { hi += 1 }
    var name = String.UnicodeScalarView()
    name.append(contentsOf: scalars[lo..<hi])
    let word = String(name)
    var text: String?
    if let v = session.variables[word] {
      text = "\(word): \(Display.summary(v))"
    } else if session.table[word] != nil {
      text = helpText(session.table, topic: word)
    }
    var m: [(String, JSON)] = [("status", .string("ok")), ("found", .bool(text != nil))]
    m.append(("data", text.map { .object([("text/plain", .string($0))]) } ?? .object([])))
    m.append(("metadata", .object([])))
    return .object(m)
  }

  /// History of this kernel's cells: `tail` (the last `n`), `range` (`start`..<`stop` of execution
  /// counts; session 0 is this one), `search` (a glob `pattern`, `*` and `?`, newest last, `n` of them).
  func historyReply(_ content: JSON) -> JSON {
    let kind = content["hist_access_type"]?.string ?? "tail"
    var entries = history
    switch kind {
    case "range":
      let start = content["start"]?.int ?? 0, stop = content["stop"]?.int
      entries = entries.filter { $0.0 >= start && (stop == nil || $0.0 < stop!) }
    case "search":
      let pattern = content["pattern"]?.string ?? "*"
      entries = entries.filter { fnmatch(pattern, $0.1, 0) == 0 }
      if content["unique"]?.bool == true {
        var seen = Set<String>()
        entries = entries.reversed().filter { seen.insert($0.1).inserted }.reversed()
      }
      if let n = content["n"]?.int, n >= 0 { entries = Array(entries.suffix(n)) }
    default:
      if let n = content["n"]?.int, n >= 0 { entries = Array(entries.suffix(n)) }
    }
    let output = content["output"]?.bool ?? false
    return .object([
      ("status", .string("ok")),
      ("history", .array(entries.map { e in
        .array([.int(0), .int(e.0), output ? .array([.string(e.1), .null]) : .string(e.1)])
      })),
    ])
  }
}

/// A shell request waiting for the execution thread, with the time it arrived.
struct Job: Sendable {
  var message: KernelMessage
  var received: Double
}

/// A queue the shell thread fills and the execution thread empties, in order.
final class JobQueue: @unchecked Sendable {
  private var items: [Job] = []
  private let condition = NSCondition()

  func put(_ j: Job) {
    condition.lock()
    items.append(j)
    condition.signal()
    condition.unlock()
  }

  func take() -> Job {
    condition.lock()
    defer { condition.unlock() }
    while items.isEmpty { condition.wait() }
    return items.removeFirst()
  }
}
