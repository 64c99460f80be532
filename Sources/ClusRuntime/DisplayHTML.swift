/// HTML for the values a notebook shows as tables (Jupyter's `text/html`), beside `Display.render`'s
/// text: the same cells, in `<table>` markup as pandas' `DataFrame._repr_html_` writes them.
extension Display {
  /// The HTML of a matrix, a data frame, a crosstab or a record (a fitted model, a score, a shape is
  /// text only); nil for other values, which a notebook shows as text.
  public static func html(_ v: Value) -> String? {
    switch v {
    case .matrix(let m):
      return gridTable(caption: "matrix \(m.rows) × \(m.cols) float32", rows: m.rows, cols: m.cols) { m[$0, $1] }
    case .sparse(let m):
      return gridTable(caption: sparseHeader(m), rows: m.rows, cols: m.cols) { m[$0, $1] }
    case .record(let r) where r.kind == "shape":
      return nil
    case .record(let r) where r.kind == "crosstab":
      guard case .matrix(let m)? = r["counts"], let rows = r["index"], let cols = r["columns"] else { return nil }
      let rn = crosstabNames(rows), cn = crosstabNames(cols)
      let shownRows = min(rn.count, 60), shownCols = min(cn.count, 30)
      let body = (0..<shownRows).map { i in [rn[i]] + (0..<shownCols).map { String(Int(m[i, $0])) } }
      return table(caption: "crosstab \(rn.count) × \(cn.count)", head: [""] + Array(cn.prefix(shownCols)), body: body)
    case .record(let r) where r.kind == Frames.frameKind:
      let text = Frames.render(r).split(separator: "\n", omittingEmptySubsequences: false)
      let names = Frames.columnNames(r), kinds = Frames.strings(r["dtypes"])
      let body = names.enumerated().map { k, n in [n, k < kinds.count ? kinds[k] : ""] }
      let schema = table(caption: String(text.first ?? ""), head: ["column", "kind"], body: body)
      // then its first rows, as pandas shows a frame
      guard let (head, rows) = Frames.preview(r) else { return schema }
      return schema + table(caption: "rows", head: head, body: rows)
    case .record where Frames.categories(of: v) != nil:
      return nil
    case .record(let r):
      let body = r.fields.map { f in [".\(f.name)", summary(f.value) + (f.name == r.principal ? " (principal)" : "")] }
      return table(caption: v.kindName, head: ["field", "value"], body: body)
    default:
      return nil
    }
  }
  /// The positions shown of `count`: all up to 10, else the first and last 5 around nil (an
  /// ellipsis), as pandas shows a long or wide frame.
  static func headAndTail(_ count: Int) -> [Int?] {
    count <= 10 ? Array(0..<count) : (0..<5).map { $0 } + [nil] + (count - 5..<count).map { $0 }
  }

  /// A matrix's table: at most 10 rows and columns (the first and last 5 around an ellipsis), each
  /// labelled with its index, as pandas shows a wide frame.
  static func gridTable(caption: String, rows: Int, cols: Int, _ at: (Int, Int) -> Float) -> String {
    let rowList = headAndTail(rows), colList = headAndTail(cols)
    let head = [""] + colList.map { $0.map(String.init) ?? "…" }
    let body = rowList.map { r in
      [r.map(String.init) ?? "…"] + colList.map { c in
        guard let r, let c else { return "…" }
        return number(Double(at(r, c)))
      }
    }
    return table(caption: caption, head: head, body: body)
  }


  /// A `<table>` with a caption, a header row and body rows (the first cell of each as a row header),
  /// every text escaped.
  static func table(caption: String, head: [String], body: [[String]]) -> String {
    var out = "<table>\n<caption style=\"text-align: left\">\(escapeHTML(caption))</caption>\n<thead><tr>"
    for h in head { out += "<th>\(escapeHTML(h))</th>" }
    out += "</tr></thead>\n<tbody>\n"
    for row in body {
      out += "<tr>"
      for (k, c) in row.enumerated() { out += k == 0 ? "<th>\(escapeHTML(c))</th>" : "<td>\(escapeHTML(c))</td>" }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table>"
  }

  /// `&`, `<`, `>` and `"` as HTML entities.
  public static func escapeHTML(_ s: String) -> String {
    var out = ""
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out
  }
}
