/// An error a command raises about what it was given or asked to do: an argument it cannot use,
/// a parameter's value, a file it cannot write. It carries no source range: the evaluator prefixes
/// the command's name and points at the call, or at the parameter named. (Files that cannot be
/// read or written as data throw `DataFileError`; the numeric library throws `AlgorithmError`, and
/// cancellation is `AlgorithmError.cancelled` wherever it is noticed, as `CancellationToken.check()` throws it.)
public enum CommandError: Error, Equatable, CustomStringConvertible {
  /// An argument the command cannot use (its kind, its length, a name it does not know, ...).
  case invalidArgument(String)
  /// A parameter's value the command cannot use: its name, the value, what is allowed.
  case invalidParameter(name: String, value: String, allowed: String)
  /// A parameter's value the command cannot use, said in the command's own words: the
  /// parameter's name (the evaluator points at it) and the message.
  case badParameter(name: String, message: String)
  /// A file the command was writing could not be written: the path and the system's reason.
  case cannotWrite(path: String, reason: String)

  /// A one-line message, without the command's name.
  public var description: String {
    switch self {
    case .invalidArgument(let m): return m
    case .invalidParameter(let n, let v, let a): return "\(n)=\(v) is out of range: \(a)"
    case .badParameter(_, let m): return m
    case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
    }
  }
}
