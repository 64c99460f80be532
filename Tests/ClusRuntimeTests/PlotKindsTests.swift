import ClusAlgorithms
import Foundation
import XCTest

@testable import ClusRuntime

/// The plot kinds beyond a scatter, and the scatter's labels on the data: each picture has its size,
/// the colours it must show and text where text belongs; the icicle plot's geometry follows hdbscan's
/// `get_plot_data` on a hand-built tree.
final class PlotKindsTests: XCTestCase {
  /// Pixels of `img` within `tolerance` of `c` in every component.
  private func count(_ img: RGBAImage, _ c: RGB, tolerance: Int = 1, _ xr: Range<Int>? = nil, _ yr: Range<Int>? = nil) -> Int {
    let b = c.bytes
    var k = 0
    for y in yr ?? 0..<img.height {
      for x in xr ?? 0..<img.width {
        let p = img.pixel(x, y)
        if abs(Int(p.r) - Int(b.r)) <= tolerance && abs(Int(p.g) - Int(b.g)) <= tolerance && abs(Int(p.b) - Int(b.b)) <= tolerance { k += 1 }
      }
    }
    return k
  }

  private func dark(_ img: RGBAImage, _ xr: Range<Int>, _ yr: Range<Int>) -> Int {
    var k = 0
    for y in yr { for x in xr where img.pixel(x, y).r < 80 && img.pixel(x, y).g < 80 { k += 1 } }
    return k
  }

  /// A tree over 10 points: the root (10) splits at λ = 1 into clusters 11 (points 0–4) and 12
  /// (points 5–9); 11's points leave at λ = 2, 12's at λ = 3 and 4.
  private let tree: [CondensedTreeRow] = [
    CondensedTreeRow(parent: 10, child: 11, lambda: 1, childSize: 5),
    CondensedTreeRow(parent: 10, child: 12, lambda: 1, childSize: 5),
  ] + (0..<5).map { CondensedTreeRow(parent: 11, child: $0, lambda: 2, childSize: 1) }
    + (5..<8).map { CondensedTreeRow(parent: 12, child: $0, lambda: 3, childSize: 1) }
    + (8..<10).map { CondensedTreeRow(parent: 12, child: $0, lambda: 4, childSize: 1) }

  func testIcicleGeometryIsTheLibrarys() {
    // by hand, as get_plot_data: leaves 11, 12 at x = 0, 1, the root at 0.5; scaling = 10 points.
    // Root: one bar from λ 0 to 1, 10 wide at 5. Cluster 11: a bar from 1 to 2, 5 wide at 0.
    // Cluster 12 (sizes 5 → 2 → 0, step (5 − 2)/20): its rows at λ 3 start no bar (the size has not yet
    // dropped when the first is reached); the first row at λ 4 closes one bar from 1 to 4, 5 wide, and
    // the library's loop ends without drawing the last step (3 to 4, 2 wide): one bar, at 10.
    let d = iciclePlotData(tree, lambdaCap: 5)
    let bars = d.bars.map { [$0.center, $0.bottom, $0.top, $0.width] }.sorted { $0.lexicographicallyPrecedes($1) }
    XCTAssertEqual(bars, [[0, 1, 2, 5], [5, 0, 1, 10], [10, 1, 4, 5]])
    // split lines at λ = 1 from the root's x to each child's outer edge
    XCTAssertEqual(d.lines.map { [$0.x0, $0.x1, $0.y] }.sorted { $0.lexicographicallyPrecedes($1) }, [[5, -2.5, 1], [5, 12.5, 1]])
    XCTAssertEqual(d.bounds[12].map { [$0.left, $0.right, $0.bottom, $0.top] }, [7.5, 12.5, 1, 4])
  }

  func testCondensedTreePictureShowsBarsEllipsesAndText() throws {
    let bytes = try renderCondensedTree(tree, selected: [11, 12], options: PlotOptions(width: 500, height: 400, cmap: "viridis"))
    let img = try decodePNG(bytes: bytes)
    XCTAssertEqual([img.width, img.height], [500, 400])
    let viridis = try Colormap(named: "viridis"), spectral = try Colormap(named: "Spectral")
    // bars coloured by width: the root's (10, the widest) is viridis' last colour, the 5-wide ones its middle
    XCTAssertGreaterThan(count(img, viridis(1.0)), 50)
    XCTAssertGreaterThan(count(img, viridis(0.5)), 50, "the 5-wide bars")
    // the selected clusters circled in their labels' colours (Spectral at 0 and 1, as plot e color=l)
    XCTAssertGreaterThan(count(img, spectral(0), tolerance: 3), 20)
    XCTAssertGreaterThan(count(img, spectral(1), tolerance: 3), 20)
    // text: "λ value" left of the axes, tick labels, and the colorbar's labels on the right
    XCTAssertGreaterThan(dark(img, 0..<40, 100..<300), 20)
    XCTAssertGreaterThan(dark(img, 440..<500, 0..<400), 10)
    // the same drawing as SVG and PDF
    let svg = String(decoding: try renderCondensedTree(tree, selected: [11, 12], options: PlotOptions(width: 500, height: 400), format: .svg), as: UTF8.self)
    XCTAssertTrue(svg.contains("<svg") && svg.contains("#glyph"))
    let pdf = try renderCondensedTree(tree, selected: [11, 12], options: PlotOptions(width: 500, height: 400), format: .pdf)
    XCTAssertEqual(Array(pdf.prefix(5)), Array("%PDF-".utf8))
    XCTAssertThrowsError(try renderCondensedTree([], selected: []))
  }

  func testSweepPictureDrawsOneLinePerGroupWithALegend() throws {
    let x = [50.0, 100, 200, 50, 100, 200], y = [0.5, 0.6, 0.4, 0.3, Double.nan, 0.35]
    let groups = ["min_samples=5", "min_samples=5", "min_samples=5", "min_samples=10", "min_samples=10", "min_samples=10"]
    let img = try decodePNG(bytes: try renderSweep(x: ("min_cluster_size", x), y: ("relative_validity", y), groups: groups,
                                                   options: { var o = PlotOptions(width: 600, height: 400); o.cmap = "tab10"; return o }()))
    XCTAssertEqual([img.width, img.height], [600, 400])
    let tab10 = try Colormap(named: "tab10")
    XCTAssertGreaterThan(count(img, tab10.categorical(0)), 100, "the first group's line and points")
    XCTAssertGreaterThan(count(img, tab10.categorical(1)), 100, "the second group's")
    XCTAssertGreaterThan(dark(img, 400..<600, 0..<100), 30, "the legend's names")
    XCTAssertThrowsError(try renderSweep(x: ("a", [1]), y: ("b", [.nan]), groups: [""]))
  }

  func testLabelsOnDataReplaceTheLegend() throws {
    // two groups of points far apart; their names at each group's median, no legend box
    var data = [Float]()
    for i in 0..<40 { data += i < 20 ? [Float(i % 5), Float(i / 5)] : [20 + Float(i % 5), 20 + Float(i / 5)] }
    let layer = ScatterLayer(points: Matrix(rows: 40, cols: 2, data: data), colors: .categorical((0..<40).map { $0 < 20 ? 0 : 1 }),
                             size: 3, categoryNames: ["T cells", "B cells"])
    var opt = PlotOptions(width: 500, height: 400)
    let withLegend = try scatterLayout([layer], options: opt)
    XCTAssertEqual(withLegend.legend.map(\.label), ["T cells", "B cells"], "category names in the legend")
    opt.labelsOnData = true
    let L = try scatterLayout([layer], options: opt)
    XCTAssertTrue(L.legend.isEmpty)
    XCTAssertEqual(L.onData.map(\.label), ["T cells", "B cells"])
    let a = L.pixel(x: 2, y: 1.5), b = L.pixel(x: 22, y: 25.5)  // medians: x 0…4 and 20…24, y 0…3 and 24…27
    XCTAssertEqual(L.onData[0].x, a.x, accuracy: 1e-9)
    XCTAssertEqual(L.onData[0].y, a.y, accuracy: 1e-9)
    XCTAssertEqual(L.onData[1].x, b.x, accuracy: 1e-9)
    let img = try renderScatter([layer], options: opt)
    XCTAssertGreaterThan(dark(img, Int(a.x) - 30..<Int(a.x) + 30, Int(a.y) - 8..<Int(a.y) + 8), 20, "the first name, on its points")
    XCTAssertGreaterThan(dark(img, Int(b.x) - 30..<Int(b.x) + 30, Int(b.y) - 8..<Int(b.y) + 8), 20)
    XCTAssertGreaterThan(L.plotRight, withLegend.plotRight, "no room kept for a legend")
    // two clusters with the same median: the second name moves a line away instead of covering the first
    let same = ScatterLayer(points: Matrix(rows: 4, cols: 2, data: [0, 0, 2, 2, 0, 2, 2, 0]), colors: .categorical([0, 0, 1, 1]),
                            categoryNames: ["alpha", "beta"])
    let S = try scatterLayout([same], options: opt)
    XCTAssertEqual(S.onData[0].x, S.onData[1].x, accuracy: 1e-9)
    XCTAssertGreaterThanOrEqual(abs(S.onData[0].y - S.onData[1].y), TextMetrics.lineHeight(size: S.fontSize * 1.1) - 1e-9)
  }

  func testThePlotCommandDrawsTreesSweepsAndPDFs() throws {
    let c = Capture()
    let dir = NSTemporaryDirectory() + "clus-plot-kinds-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    c.session.variables["x"] = twoGroups(60, 2, period: 7, offset: 10)
    XCTAssertTrue(c.run("""
      l = hdbscan x min_cluster_size=5
      plot l.condensed_tree out="\(dir)/t.pdf"
      s = sweep hdbscan x min_cluster_size=[5, 10, 15]
      plot s by="silhouette" out="\(dir)/s.png"
      plot x color=l legend_loc="on data" out="\(dir)/x.svg"
      save l.condensed_tree "\(dir)/t.csv"
      """), c.err)
    for f in ["t.pdf", "s.png", "x.svg"] { XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + f), f) }
    let csv = try String(contentsOfFile: dir + "/t.csv", encoding: .utf8)
    XCTAssertTrue(csv.hasPrefix("parent,child,lambda_val,child_size\n"), "the selection is no column")
    c.expectError("plot s by=\"silhoutte\"", "did you mean silhouette")
    c.expectError("plot x out=\"\(dir)/x.jpg\"", "must end in .png, .svg or .pdf")
    c.expectError("plot l.condensed_tree color=l", "color= applies to scatter plots")
    c.expectError("plot x by=\"silhouette\"", "by= chooses the score of a sweep table")
    c.expectError("plot x color=(l - 4)", "a colour label is -")
  }
}
