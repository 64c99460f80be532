import ClusAlgorithms

/// A command's keyword parameters bound to what they set in an algorithm's parameter struct
/// `Root` (`UMAPParameters`, `HDBSCANParameters`, …).
///
/// Each entry (`Param`) is one line: the name as in umap-learn / hdbscan / scikit-learn, the
/// field it sets, the bounds and the one-line doc. The parameter's type follows from the field's
/// type and its default is read from `defaults`, the struct's own default value
/// (`UMAPParameters()`), so a default is stated once, in the numeric library. The command's
/// table entry declares `specs`; `fill` gives the command's body the struct filled from a call.
public struct ParamTable<Root: Sendable>: Sendable {
  /// The struct's default value, where every bound parameter's default comes from.
  public let defaults: Root
  /// The declarations for the command table, in the entries' order.
  public let specs: [ParamSpec]
  /// The bindings.
  private let entries: [Param<Root>]

  /// Parameters setting the fields of `defaults`.
  public init(_ defaults: Root, _ entries: [Param<Root>]) {
    self.defaults = defaults
    self.entries = entries
    self.specs = entries.flatMap { $0.declare(defaults) }
  }

  /// Every parameter's value in `r` as the language shows it (`n_neighbors` → `.int(15)`, `metric`
  /// → `.string("euclidean")`), in the table's order: what a model's `params` field and its
  /// file's manifest hold.
  public func values(of r: Root) -> [(name: String, value: Value)] {
    entries.flatMap { $0.declare(r) }.map { (name: $0.name, value: $0.defaultValue) }
  }

  /// `defaults` with every parameter of the call assigned (one not given assigns its default).
  /// - Throws: what an entry's conversion throws (e.g. `Metric(name:p:)`), or
  ///   `CommandDefinitionError` when an entry reads a name the table does not declare.
  public func fill(_ inv: Invocation) throws -> Root {
    var r = defaults
    for e in entries { try e.assign(&r, inv) }
    return r
  }
}

/// One entry of a `ParamTable`: the declaration of one parameter (or of a few that set one field
/// together, as `metric` and `p`) and how its checked value is written into the struct.
public struct Param<Root>: Sendable {
  /// The declarations, given the struct's default value.
  let declare: @Sendable (Root) -> [ParamSpec]
  /// Writes the call's values into the struct; reads them through the invocation's checked
  /// accessors, so it cannot read a name the table does not declare.
  let assign: @Sendable (inout Root, Invocation) throws -> Void

  /// Parameters that do not map one to one onto a field (e.g. `metric` + `p` → `Metric`, umap's
  /// `init` string or matrix): `declare` gives their declarations from the struct's default
  /// value, `assign` converts their values (read through the invocation's checked accessors).
  public static func converted(
    _ declare: @escaping @Sendable (Root) -> [ParamSpec],
    assign: @escaping @Sendable (inout Root, Invocation) throws -> Void
  ) -> Param {
    Param(declare: declare, assign: assign)
  }

  /// A field of type `V` declared as `type`: its default is `value(default)`, and `read` gets the
  /// call's value through the invocation's checked accessor for that type.
  private static func field<V>(
    _ name: String, _ type: ParamType, _ field: WritableKeyPath<Root, V>, _ bounds: Bounds?, _ doc: String,
    value: @escaping @Sendable (V) -> Value, read: @escaping @Sendable (Invocation, String) throws -> V
  ) -> Param {
    Param(declare: { [ParamSpec(name, type, value($0[keyPath: field]), bounds, doc)] }) { r, inv in
      r[keyPath: field] = try read(inv, name)
    }
  }

  /// An integer field.
  public static func int(_ name: String, _ field: WritableKeyPath<Root, Int>, _ bounds: Bounds?, _ doc: String) -> Param {
    self.field(name, .int, field, bounds, doc, value: { .int($0) }, read: { try $0.int($1) })
  }
  /// An optional integer field: `none` sets nil.
  public static func int(_ name: String, _ field: WritableKeyPath<Root, Int?>, _ bounds: Bounds?, _ doc: String) -> Param {
    self.field(name, .int, field, bounds, doc, value: { $0.map { .int($0) } ?? .none }, read: { try $0.optionalInt($1) })
  }
  /// A floating-point field (an integer value is accepted and converted).
  public static func float(_ name: String, _ field: WritableKeyPath<Root, Double>, _ bounds: Bounds?, _ doc: String) -> Param {
    self.field(name, .float, field, bounds, doc, value: { .float($0) }, read: { try $0.double($1) })
  }
  /// An optional floating-point field: `none` sets nil.
  public static func float(_ name: String, _ field: WritableKeyPath<Root, Double?>, _ bounds: Bounds?, _ doc: String) -> Param {
    self.field(name, .float, field, bounds, doc, value: { $0.map { .float($0) } ?? .none }, read: { try $0.optionalDouble($1) })
  }
  /// A Boolean field.
  public static func bool(_ name: String, _ field: WritableKeyPath<Root, Bool>, _ doc: String) -> Param {
    self.field(name, .bool, field, nil, doc, value: { .bool($0) }, read: { try $0.bool($1) })
  }
  /// A seed field: an integer ≥ 0, or `none` (nil: the command picks a seed from the clock).
  public static func seed(_ name: String, _ field: WritableKeyPath<Root, UInt64?>, _ doc: String) -> Param {
    self.field(name, .seed, field, nil, doc, value: { $0.map { .int(Int(truncatingIfNeeded: $0)) } ?? .none }, read: { try $0.seed($1) })
  }
  /// A field of an enumeration named by strings (its raw values, offered in declaration order).
  public static func choice<E: RawRepresentable & CaseIterable & Sendable>(
    _ name: String, _ field: WritableKeyPath<Root, E>, _ doc: String
  ) -> Param where E.RawValue == String {
    let names = E.allCases.map(\.rawValue)
    return Param(declare: { [ParamSpec(name, .choice(names), .string($0[keyPath: field].rawValue), nil, doc)] }) { r, inv in
      let s = try inv.string(name)
      guard let e = E(rawValue: s) else {
        throw CommandDefinitionError(command: inv.command, parameter: name, problem: "as one of \(names), but its value is \"\(s)\"")
      }
      r[keyPath: field] = e
    }
  }
}
