// The types of delimited files: how `load` reads one (`CSVOptions`, pandas' names) and what a file
// with column names or text columns becomes (`Table`).

import ClusAlgorithms

/// How `load` reads a CSV/TSV/text file, with the names and meanings of `pandas.read_csv`.
public struct CSVOptions: Sendable, Equatable {
  /// Whether the first row holds the column names.
  public enum Header: Sendable, Equatable {
    /// A first row of numbers (or missing values) is data, any other first row is the header.
    case auto
    /// The first row is the header.
    case yes
    /// Every row is data; columns are named `0`, `1`, ... as pandas names them.
    case no
  }

  /// `header=`: true, false or "auto" (the default).
  public var header: Header
  /// `delimiter=`: the field separator; nil takes `,` for .csv, tab for .tsv/.tab and detects it otherwise.
  public var delimiter: UInt8?
  /// `delimiter="\\s+"` (pandas' `sep=r"\s+"`, numpy.loadtxt's default), or detected in a .txt/.dat file
  /// without `,` tab `;` `|`: fields separated by runs of spaces and tabs, those at a line's ends ignored.
  public var whitespace = false
  /// `columns=` / `usecols=`: the columns to keep, in this order; nil keeps all.
  public var columns: [CSVColumn]?
  /// `na_values=`: spellings of a missing value added to pandas' defaults (`pandasNAValues`).
  public var naValues: [String]
  /// File columns (positions from 0) read as text whatever they hold: set by `loadDelimited` for a
  /// column that mixes numbers with text or booleans, as pandas reads an object column.
  public var textColumns: Set<Int> = []

  /// Options; the defaults read a file as `pandas.read_csv` does.
  public init(header: Header = .auto, delimiter: UInt8? = nil, columns: [CSVColumn]? = nil, naValues: [String] = []) {
    self.header = header
    self.delimiter = delimiter
    self.columns = columns
    self.naValues = naValues
  }
}

/// A column chosen by `columns=`: by its name in the header or by its position (from 0).
public enum CSVColumn: Sendable, Equatable {
  /// A column name.
  case name(String)
  /// A 0-based position.
  case index(Int)
}

/// The cells pandas reads as a missing value (NaN) by default (`keep_default_na=True`).
public let pandasNAValues = [
  "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A",
  "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]

/// A number held in float32 as the float64 that pandas reads for its written text (a CSV's cell,
/// a float32 column that pandas writes): the nearest Double to the Float's shortest decimal
/// (0.1f → 0.1, where widening gives 0.10000000149011612). It is a CSV cell's own value whenever
/// its text had at most 6 significant digits (float32's FLT_DIG), and the float32 number otherwise;
/// NaN and infinities stay.
func shortestDecimal(_ f: Float) -> Double {
  let d = Double(f)
  // whole numbers below 2^24 (and NaN, ±inf) widen exactly; a larger one's shortest decimal may be
  // another number (1e20, which float32 holds as 100000002004087734272)
  if (d == d.rounded() && abs(d) < 16_777_216) || !d.isFinite { return d }
  return Double(f.description) ?? d
}

/// What a column turned out to hold, as pandas names the dtype.
public enum ColumnKind: String, Sendable, Equatable {
  /// Integers (no missing values).
  case int = "int64"
  /// Numbers, or integers with missing values.
  case float = "float64"
  /// `true`/`false` only.
  case bool
  /// `true`/`false` with missing values: pandas' object column of True, False and NaN (in `data` as
  /// 1, 0 and NaN; saved as True, False and an empty cell).
  case boolWithMissing = "object"
  /// Text: the values are categories.
  case text = "category"
}

/// A text column: each row's category code (−1 for a missing value, as pandas' `Categorical.codes`)
/// and the category names in sorted order, as `pandas.Categorical` orders them.
public struct TextColumn: Sendable, Equatable {
  /// One code per row: an index into `categories`, or −1 for a missing value.
  public var codes: [Int]
  /// The distinct values, sorted.
  public var categories: [String]

  /// A text column.
  public init(codes: [Int], categories: [String]) {
    self.codes = codes
    self.categories = categories
  }

  /// A text column from codes in order of first appearance (`firstSeen[c]` is the value of code
  /// `c`; −1 stays missing), recoded so that the categories are sorted by code point, as Python
  /// sorts strings (Swift's `<` orders canonically equivalent spellings as one).
  init(appearanceCodes: [Int], firstSeen: [String]) {
    let order = firstSeen.indices.sorted { ExactText(firstSeen[$0]) < ExactText(firstSeen[$1]) }
    var remap = [Int](repeating: 0, count: order.count)
    for (new, old) in order.enumerated() { remap[old] = new }
    self.init(codes: appearanceCodes.map { $0 < 0 ? -1 : remap[$0] }, categories: order.map { firstSeen[$0] })
  }
}

/// A delimited file read with column names or with text columns, as a `pandas.DataFrame`.
public struct Table: Sendable, Equatable {
  /// Column names, in the file's order (or the order `columns=` asked for).
  public var names: [String]
  /// Each column's kind, parallel to `names`.
  public var kinds: [ColumnKind]
  /// The numeric (int, float, bool) columns in order, as an `n × (number of them)` float32 matrix.
  public var data: Matrix
  /// The text columns in order.
  public var text: [TextColumn]
  /// Number of data rows.
  public var rows: Int
  /// Int columns holding values beyond 2^24, which `data` (float32) rounds: their values exactly,
  /// by position in `names`.
  public var exactInts: [Int: [Int]]
  /// Float columns holding a number that float32 rounds beyond its shortest decimal (`shortestDecimal`:
  /// more than about 7 significant digits, as 0.123456789 or a pandas float64 written in full): their
  /// float64 values as read, by position in `names`.
  public var exactFloats: [Int: [Double]]

  /// A table.
  public init(names: [String], kinds: [ColumnKind], data: Matrix, text: [TextColumn], rows: Int, exactInts: [Int: [Int]] = [:],
              exactFloats: [Int: [Double]] = [:]) {
    self.names = names
    self.kinds = kinds
    self.data = data
    self.text = text
    self.rows = rows
    self.exactInts = exactInts
    self.exactFloats = exactFloats
  }
}

/// A string compared and hashed by its exact UTF-8 bytes, as pandas and numpy compare strings. Swift's
/// `String` treats canonically equivalent spellings as equal (NFC "é" and NFD "e\u{301}", "Å" and the
/// Angstrom sign), which merged distinct values of a text column into one category.
/// Ordered by code point (UTF-8 byte order), as Python orders strings.
struct ExactText: Hashable, Comparable {
  let string: String
  init(_ s: String) { string = s }
  static func == (a: ExactText, b: ExactText) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
  static func < (a: ExactText, b: ExactText) -> Bool { a.string.utf8.lexicographicallyPrecedes(b.string.utf8) }
  func hash(into h: inout Hasher) {
    var s = string
    s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
  }
}
