/// Errors thrown by the algorithms. Messages are complete sentences fragments meant for users;
/// the runtime prefixes them with the command name and source location.
public enum AlgorithmError: Error, Equatable, CustomStringConvertible {
  /// The input data cannot be used (empty, non-finite values, mismatched lengths, ...).
  case invalidInput(String)
  /// A parameter is outside its allowed range: name, the offending value, what is allowed.
  case invalidParameter(name: String, value: String, allowed: String)
  /// The computation was cancelled through its `CancellationToken` (Ctrl-C).
  case cancelled

  /// A one-line human-readable message.
  public var description: String {
    switch self {
    case .invalidInput(let m): return m
    case .invalidParameter(let n, let v, let a): return "\(n)=\(v) is out of range: \(a)"
    case .cancelled: return "cancelled"
    }
  }
}
