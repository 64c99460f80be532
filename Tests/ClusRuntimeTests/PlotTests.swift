import ClusAlgorithms
import Foundation
import XCTest

@testable import ClusRuntime

// Reference values were computed with matplotlib 3.11 (numpy float64):
//
//   import matplotlib, numpy as np; matplotlib.use("Agg"); import matplotlib.pyplot as plt
//   for name in ["Spectral", "viridis", "tab10", "gray"]:
//       for x in [0.0, 0.1, 0.25, 0.5, 0.7, 0.9999, 1.0]: print(name, x, matplotlib.colormaps[name](x)[:3])
//   cm = matplotlib.colormaps[name]; cm._init(); cm._lut[:256, :3].sum(axis=0)        # LUT sums
//   sc = plt.scatter(range(6), range(6), c=np.float32([0, 1, 2.5, 10, 7.3, 3.3]), cmap="viridis")
//   plt.gcf().canvas.draw(); sc.get_facecolors()[:, :3]                               # continuous
//   sc = plt.scatter(range(6), range(6), c=[2, 5, 3, 8, 2, 4], cmap="Spectral"); ...  # categorical
final class PlotTests: XCTestCase {
  typealias C = (Double, Double, Double)

  let reference: [String: [(Double, C)]] = [
    "Spectral": [
      (0.0, (0.6196078431372549, 0.00392156862745098, 0.25882352941176473)),
      (0.1, (0.8310649750096117, 0.23844675124951936, 0.30880430603613995)),
      (0.25, (0.9748558246828143, 0.5574009996155325, 0.32272202998846594)),
      (0.5, (0.998077662437524, 0.9992310649750096, 0.7460207612456747)),
      (0.7, (0.6652825836216842, 0.8645905420991927, 0.6432141484044599)),
      (0.9999, (0.3686274509803922, 0.30980392156862746, 0.6352941176470588)),
      (1.0, (0.3686274509803922, 0.30980392156862746, 0.6352941176470588)),
    ],
    "viridis": [
      (0.0, (0.267004, 0.004874, 0.329415)), (0.1, (0.282623, 0.140926, 0.457517)),
      (0.25, (0.229739, 0.322361, 0.545706)), (0.5, (0.127568, 0.566949, 0.550556)),
      (0.7, (0.266941, 0.748751, 0.440573)), (0.9999, (0.993248, 0.906157, 0.143936)),
      (1.0, (0.993248, 0.906157, 0.143936)),
    ],
    "tab10": [
      (0.0, (0.12156862745098039, 0.4666666666666667, 0.7058823529411765)),
      (0.1, (1.0, 0.4980392156862745, 0.054901960784313725)),
      (0.25, (0.17254901960784313, 0.6274509803921569, 0.17254901960784313)),
      (0.5, (0.5490196078431373, 0.33725490196078434, 0.29411764705882354)),
      (0.7, (0.4980392156862745, 0.4980392156862745, 0.4980392156862745)),
      (0.9999, (0.09019607843137255, 0.7450980392156863, 0.8117647058823529)),
      (1.0, (0.09019607843137255, 0.7450980392156863, 0.8117647058823529)),
    ],
    "gray": [
      (0.0, (0, 0, 0)), (0.1, (0.09803921568627451, 0.09803921568627451, 0.09803921568627451)),
      (0.25, (0.25098039215686274, 0.25098039215686274, 0.25098039215686274)),
      (0.5, (0.5019607843137255, 0.5019607843137255, 0.5019607843137255)),
      (0.7, (0.7019607843137254, 0.7019607843137254, 0.7019607843137254)),
      (0.9999, (1, 1, 1)), (1.0, (1, 1, 1)),
    ],
  ]

  func assertColor(_ c: RGB, _ e: C, accuracy: Double, _ msg: String, line: UInt = #line) {
    XCTAssertEqual(c.r, e.0, accuracy: accuracy, "\(msg) red", line: line)
    XCTAssertEqual(c.g, e.1, accuracy: accuracy, "\(msg) green", line: line)
    XCTAssertEqual(c.b, e.2, accuracy: accuracy, "\(msg) blue", line: line)
  }

  /// Characters the plot font (DejaVu Sans) has no glyph for are drawn as its empty box, with a
  /// warning naming them (as matplotlib's "Glyph … missing from font(s)"); they were drawn in silence.
  /// Latin, Greek and Cyrillic letters are in the font: no warning.
  func testMissingGlyphsAreWarned() throws {
    let layer = ScatterLayer(points: Matrix(rows: 2, cols: 2, data: [0, 0, 1, 1]))
    var notes: [String] = []
    for format in [PictureFormat.png, .svg] {
      notes = []
      _ = try renderScatter([layer], options: PlotOptions(title: "データ é\nx"), format: format) { notes.append($0) }
      XCTAssertEqual(notes, ["warning: plot: the font (DejaVu Sans) has no glyph for 'デ' (U+30C7), 'ー' (U+30FC), 'タ' (U+30BF), "
                             + "a line break (U+000A): drawn as empty boxes; titles and labels are drawn on one line"])
    }
    notes = []
    _ = try renderScatter([layer], options: PlotOptions(title: "µ é ü Ω Жж − ±"), format: .png) { notes.append($0) }
    XCTAssertEqual(notes, [])
  }

  func testColormapsMatchMatplotlib() throws {
    for (name, values) in reference {
      let cm = try Colormap(named: name)
      for (x, e) in values { assertColor(cm(x), e, accuracy: 1e-12, "\(name)(\(x))") }
    }
    // Sums over the whole 256-entry lookup tables (every entry enters).
    let sums: [String: C] = [
      "Spectral": (190.29465590157633, 166.15547866205304, 136.14386774317572),
      "viridis": (83.743425, 137.734004, 110.22308899999999),
      "gray": (128.0, 128.0, 128.0),
    ]
    for (name, e) in sums {
      let lut = try Colormap(named: name).lut
      XCTAssertEqual(lut.count, 256)
      let s = RGB(lut.reduce(0) { $0 + $1.r }, lut.reduce(0) { $0 + $1.g }, lut.reduce(0) { $0 + $1.b })
      assertColor(s, e, accuracy: 1e-9, "\(name) LUT sum")
    }
    XCTAssertEqual(try Colormap(named: "tab10").count, 10)
    XCTAssertEqual(try Colormap(named: "Spectral_r")(0), try Colormap(named: "Spectral")(1))
    XCTAssertEqual(try Colormap(named: "tab10").categorical(13), try Colormap(named: "tab10").lut[3])
  }

  func testLayerColoursMatchMatplotlibScatter() throws {
    let pts = Matrix(rows: 6, cols: 2, data: (0..<12).map { Float($0) })
    // Continuous float32 values through viridis.
    let cont = try prepareScatterLayers(
      [ScatterLayer(points: pts, colors: .continuous([0, 1, 2.5, 10, 7.3, 3.3]))],
      options: PlotOptions(cmap: "viridis"))[0]
    let contRef: [C] = [
      (0.267004, 0.004874, 0.329415), (0.282623, 0.140926, 0.457517), (0.229739, 0.322361, 0.545706),
      (0.993248, 0.906157, 0.143936), (0.319809, 0.770914, 0.411152), (0.192357, 0.403199, 0.555836),
    ]
    // Integer labels through Spectral (Normalize from the smallest to the largest label).
    let cat = try prepareScatterLayers(
      [ScatterLayer(points: pts, colors: .categorical([2, 5, 3, 8, 2, 4]))], options: PlotOptions())[0]
    let catRef: [C] = [
      (0.6196078431372549, 0.00392156862745098, 0.25882352941176473),
      (0.998077662437524, 0.9992310649750096, 0.7460207612456747),
      (0.9139561707035756, 0.36239907727797, 0.27935409457900806),
      (0.3686274509803922, 0.30980392156862746, 0.6352941176470588),
      (0.6196078431372549, 0.00392156862745098, 0.25882352941176473),
      (0.9934640522875817, 0.7477124183006535, 0.4352941176470587),
    ]
    for (layer, ref) in [(cont, contRef), (cat, catRef)] {
      for i in 0..<6 {
        let c = RGB(Double(layer.rgba[4 * i]), Double(layer.rgba[4 * i + 1]), Double(layer.rgba[4 * i + 2]))
        assertColor(c, ref[i], accuracy: 1e-6, "point \(i)")
        XCTAssertEqual(layer.rgba[4 * i + 3], 1)
      }
    }
    // tab10: label i takes colour i mod 10; noise (−1) takes the noise colour with the noise alpha.
    let t = try prepareScatterLayers(
      [ScatterLayer(points: pts, colors: .categorical([0, 3, 12, -1, 9, 1]))],
      options: PlotOptions(cmap: "tab10"))[0]
    let tab = try Colormap(named: "tab10")
    for (i, l) in [0, 3, 12, -1, 9, 1].enumerated() {
      let want = l < 0 ? RGB(grey: 0.5) : tab.lut[l % 10]
      assertColor(RGB(Double(t.rgba[4 * i]), Double(t.rgba[4 * i + 1]), Double(t.rgba[4 * i + 2])),
                  (want.r, want.g, want.b), accuracy: 1e-6, "tab10 label \(l)")
      XCTAssertEqual(t.rgba[4 * i + 3], l < 0 ? 0.5 : 1)
    }
    XCTAssertEqual(t.order, [3, 0, 1, 2, 4, 5], "noise first, then the others in input order")
  }

  /// Three big points of known colours on a 50 × 40 canvas.
  func testTinyScatterPixels() throws {
    let pts = Matrix(rows: 3, cols: 3, data: [0, 0, 99, 10, 5, 99, 4, 10, 99])
    let colors: [RGB] = [RGB(1, 0, 0), RGB(0, 0.6, 0), RGB(0, 0, 1)]
    let layers = (0..<3).map { i in
      ScatterLayer(points: Matrix(rows: 1, cols: 3, data: pts.row(i)), colors: .fixed(colors[i]), size: 9)
    }
    var opt = PlotOptions(width: 50, height: 40)
    opt.legend = false
    let img = try renderScatter(layers, options: opt)
    XCTAssertEqual(img.width, 50)
    XCTAssertEqual(img.height, 40)
    let L = try scatterLayout(layers, options: opt)
    // Bounds: x in [0, 10], y in [0, 10], widened by 5 % per side.
    XCTAssertEqual(L.xMin, -0.5, accuracy: 1e-12)
    XCTAssertEqual(L.xMax, 10.5, accuracy: 1e-12)
    XCTAssertEqual(L.yMax, 10.5, accuracy: 1e-12)
    for i in 0..<3 {
      let p = L.pixel(x: Double(pts[i, 0]), y: Double(pts[i, 1]))
      let px = img.pixel(Int(p.x), Int(p.y))
      let b = colors[i].bytes
      XCTAssertEqual([px.r, px.g, px.b, px.a], [b.r, b.g, b.b, 255], "centre of point \(i)")
    }
    // Point 0 sits at the bottom left, point 1 right, point 2 top.
    let p0 = L.pixel(x: 0, y: 0), p1 = L.pixel(x: 10, y: 5), p2 = L.pixel(x: 4, y: 10)
    XCTAssertLessThan(p0.x, p1.x)
    XCTAssertGreaterThan(p0.y, p2.y)
    // Background white away from the points; anti-aliased edge strictly between.
    let bg = img.pixel(Int(p1.x), Int(p2.y))
    XCTAssertEqual([bg.r, bg.g, bg.b], [255, 255, 255])
    // Anti-aliased edge of the green disc (radius 4.5): each edge pixel is white and green mixed in
    // the proportion of the pixel's area inside the disc (computed here on a 64 × 64 grid of samples;
    // Cairo's rasteriser estimates coverage on a coarser grid and draws the circle as Bézier arcs, so
    // within 16/255: no anti-aliasing, or a disc off by half a pixel, would miss by up to 128).
    var edges = 0
    for y in (Int(p1.y) - 6)...(Int(p1.y) + 6) {
      for x in (Int(p1.x) - 6)...(Int(p1.x) + 6) {
        let d = ((Double(x) + 0.5 - p1.x) * (Double(x) + 0.5 - p1.x) + (Double(y) + 0.5 - p1.y) * (Double(y) + 0.5 - p1.y)).squareRoot()
        guard d > 4.1, d < 4.9, (L.plotLeft..<L.plotRight).contains(x), (L.plotTop..<L.plotBottom).contains(y)
        else { continue }
        var inside = 0
        for sy in 0..<64 {
          for sx in 0..<64 {
            let dx = Double(x) + (Double(sx) + 0.5) / 64 - p1.x, dy = Double(y) + (Double(sy) + 0.5) / 64 - p1.y
            if dx * dx + dy * dy <= 4.5 * 4.5 { inside += 1 }
          }
        }
        let a = Double(inside) / 4096
        let px = img.pixel(x, y)
        XCTAssertEqual(Double(px.r), 255 * (1 - a), accuracy: 16, "edge pixel (\(x), \(y)) at distance \(d)")
        XCTAssertEqual(Double(px.g), 255 * (1 - a + 0.6 * a), accuracy: 16)
        XCTAssertEqual(px.r, px.b)
        edges += 1
      }
    }
    XCTAssertGreaterThan(edges, 4)
    XCTAssertEqual(img.pixel(0, 0).r, 255, "corner is background")
  }

  func testNoiseIsDrawnUnderClusters() throws {
    // Row 0 (cluster 1) and row 1 (noise) at the same place; row 2 (noise) alone.
    let pts = Matrix(rows: 4, cols: 2, data: [5, 5, 5, 5, 0, 0, 10, 10])
    let layer = ScatterLayer(points: pts, colors: .categorical([1, -1, -1, 2]), size: 8)
    var opt = PlotOptions(width: 60, height: 60, cmap: "tab10")
    opt.legend = false
    let img = try renderScatter([layer], options: opt)
    let L = try scatterLayout([layer], options: opt)
    let c = L.pixel(x: 5, y: 5)
    let want = try Colormap(named: "tab10").lut[1].bytes
    let got = img.pixel(Int(c.x), Int(c.y))
    XCTAssertEqual([got.r, got.g, got.b], [want.r, want.g, want.b], "cluster point covers the noise point")
    // Noise alone: grey 0.5 at alpha 0.5 over white = 0.75 → 191.
    let n = L.pixel(x: 0, y: 0)
    let g = img.pixel(Int(n.x), Int(n.y))
    XCTAssertEqual([g.r, g.g, g.b], [191, 191, 191])
  }

  func testPNGRoundTripAndDeterminism() throws {
    var rng = RandomStream(seed: 7, 1)
    let n = 500
    let data = (0..<(2 * n)).map { _ in Float(rng.nextGaussian()) }
    let labels = (0..<n).map { $0 % 4 - 1 }
    let layer = ScatterLayer(points: Matrix(rows: n, cols: 2, data: data), colors: .categorical(labels))
    let opt = PlotOptions(width: 320, height: 240, title: "Round trip")
    let img = try renderScatter([layer], options: opt)
    let png = try encodePNG(img)
    XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let back = try decodePNG(bytes: png)
    XCTAssertEqual(back.width, 320)
    XCTAssertEqual(back.height, 240)
    XCTAssertEqual(back, img)
    // Same input, same bytes.
    XCTAssertEqual(try encodePNG(try renderScatter([layer], options: opt)), png)
    // File round trip.
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("clus-plot-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("p.png").path
    try writePNG(img, path: path)
    let fromFile = try decodePNG(path: path)
    XCTAssertEqual(fromFile.width, 320)
    XCTAssertEqual(fromFile, img)
    // Translucent images keep their alpha (RGBA PNG).
    let t = RGBAImage(width: 2, height: 1, pixels: [255, 0, 0, 128, 0, 0, 255, 255])
    XCTAssertEqual(try decodePNG(bytes: try encodePNG(t)), t)
    // Not a PNG.
    XCTAssertThrowsError(try decodePNG(bytes: [1, 2, 3, 4]))
  }

  func testTitleAndLegendAreDrawn() throws {
    let pts = Matrix(rows: 4, cols: 2, data: [0, 0, 1, 1, 2, 0, 3, 1])
    let layer = ScatterLayer(points: pts, colors: .categorical([0, 1, 2, -1]))
    var opt = PlotOptions(width: 400, height: 300, title: "T")
    let L = try scatterLayout([layer], options: opt)
    XCTAssertEqual(L.legend.map(\.label), ["noise", "0", "1", "2"])
    XCTAssertGreaterThan(L.xTicks.count, 1)
    XCTAssertGreaterThan(L.yTicks.count, 1)
    let img = try renderScatter([layer], options: opt)
    // Some dark (text) pixels above the axes (title) and right of them (legend).
    func darkPixels(_ xr: Range<Int>, _ yr: Range<Int>) -> Int {
      var k = 0
      for y in yr { for x in xr where img.pixel(x, y).r < 80 { k += 1 } }
      return k
    }
    XCTAssertGreaterThan(darkPixels(0..<400, 0..<(L.plotTop - 1)), 0)
    XCTAssertGreaterThan(darkPixels((L.plotRight + 2)..<400, L.plotTop..<L.plotBottom), 0)
    // More than maxLegendEntries labels: no legend.
    let many = ScatterLayer(points: Matrix(rows: 30, cols: 2, data: (0..<60).map { Float($0) }),
                            colors: .categorical(Array(0..<30)))
    XCTAssertTrue(try scatterLayout([many], options: opt).legend.isEmpty)
    opt.legend = false
    XCTAssertTrue(try scatterLayout([layer], options: opt).legend.isEmpty)
  }

  /// Dark (text) pixels in a region of an image.
  func darkPixels(_ img: RGBAImage, _ xr: Range<Int>, _ yr: Range<Int>) -> Int {
    var k = 0
    for y in yr { for x in xr where img.pixel(x, y).r < 80 { k += 1 } }
    return k
  }

  func testAxisLabelsAreDrawnBelowAndLeftOfTheAxes() throws {
    let layer = ScatterLayer(points: Matrix(rows: 3, cols: 2, data: [0, 0, 1, 2, 2, 1]))
    var opt = PlotOptions(width: 400, height: 300)
    let plain = try scatterLayout([layer], options: opt)
    let plainImg = try renderScatter([layer], options: opt)
    opt.xlabel = "UMAP 1"
    opt.ylabel = "UMAP 2"
    let L = try scatterLayout([layer], options: opt)
    let img = try renderScatter([layer], options: opt)
    // Room is made for them: the axes shrink from below and from the left.
    XCTAssertLessThan(L.plotBottom, plain.plotBottom)
    XCTAssertGreaterThan(L.plotLeft, plain.plotLeft)
    // x label: text under the x tick labels, centred on the axes, as wide as the font makes it;
    // nothing there without it.
    XCTAssertEqual(darkPixels(plainImg, 0..<400, (plain.plotBottom + 24)..<300), 0)
    let below = L.xLabelTop..<300
    let inkX = inkBox(img, 0..<400, below)
    let wantW = TextMetrics.width("UMAP 1", size: L.fontSize)
    XCTAssertEqual(Double(inkX.x.count), wantW, accuracy: 4, "the whole x label, once")
    XCTAssertEqual(Double(inkX.x.lowerBound + inkX.x.upperBound) / 2, Double(L.plotLeft + L.plotRight) / 2, accuracy: 3, "centred")
    // y label: the same text turned to read upward, in a column at the left edge (left of the
    // y tick labels, which moved right to make room), as tall as the x label is wide.
    let leftStrip = 0..<(L.plotLeft - plain.plotLeft + 4)
    let inkY = inkBox(img, leftStrip, 0..<300)
    XCTAssertEqual(Double(inkY.y.count), TextMetrics.width("UMAP 2", size: L.fontSize), accuracy: 4, "the whole y label, once")
    XCTAssertGreaterThan(inkY.y.count, 3 * inkY.x.count)
    XCTAssertGreaterThanOrEqual(inkY.x.lowerBound, L.yLabelLeft)
    XCTAssertLessThan(inkY.x.lowerBound, L.yLabelLeft + 4)
    // SVG: the same drawing, glyphs as outlines (one use of a glyph per letter drawn).
    let svg = try renderSVG([layer], options: opt)
    let plainSVG = try renderSVG([layer], options: PlotOptions(width: 400, height: 300))
    XCTAssertEqual(svg.components(separatedBy: "<use xlink:href=\"#glyph").count - plainSVG.components(separatedBy: "<use xlink:href=\"#glyph").count,
                   "UMAP 1UMAP 2".count, "one glyph per character, spaces included")
  }

  /// The bounding box of the dark (text) pixels in a region.
  func inkBox(_ img: RGBAImage, _ xr: Range<Int>, _ yr: Range<Int>) -> (x: Range<Int>, y: Range<Int>) {
    var x0 = Int.max, x1 = Int.min, y0 = Int.max, y1 = Int.min
    for y in yr { for x in xr where img.pixel(x, y).r < 80 { x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y) } }
    return x0 > x1 ? (0..<0, 0..<0) : (x0..<(x1 + 1), y0..<(y1 + 1))
  }

  func testContinuousColoursGetAColorbar() throws {
    let pts = Matrix(rows: 5, cols: 2, data: [0, 0, 1, 1, 2, 0, 3, 1, 4, 2])
    let layer = ScatterLayer(points: pts, colors: .continuous([-2.5, 0, 1, 7, 12.25]))
    let opt = PlotOptions(width: 500, height: 300, cmap: "viridis")
    let L = try scatterLayout([layer], options: opt)
    guard let cb = L.colorbar else { return XCTFail("no colorbar") }
    XCTAssertEqual(cb.min, -2.5)
    XCTAssertEqual(cb.max, 12.25)
    XCTAssertEqual([cb.minLabel, cb.maxLabel], ["-2.5", "12.25"])
    XCTAssertGreaterThan(cb.left, L.plotRight, "beside the axes")
    XCTAssertEqual([cb.top, cb.bottom], [L.plotTop, L.plotBottom], "as tall as the axes")
    let img = try renderScatter([layer], options: opt)
    // Top row: the colormap's last colour (the largest value); bottom row: its first; in between it runs through.
    let cmap = try Colormap(named: "viridis")
    let mid = (cb.left + cb.right) / 2
    func rgb(_ y: Int) -> [UInt8] { let p = img.pixel(mid, y); return [p.r, p.g, p.b] }
    let last = cmap.lut[255].bytes, first = cmap.lut[0].bytes, half = cmap(0.5).bytes
    // (Cairo rounds each 8-bit component its own way: within 1)
    for (got, want) in [(rgb(cb.top), [last.r, last.g, last.b]), (rgb(cb.bottom - 1), [first.r, first.g, first.b])] {
      for k in 0..<3 { XCTAssertEqual(Double(got[k]), Double(want[k]), accuracy: 1) }
    }
    let m = rgb((cb.top + cb.bottom) / 2)
    XCTAssertEqual(Double(m[1]), Double(half.g), accuracy: 3)
    // Min and max labels right of the bar, by its top and bottom.
    XCTAssertGreaterThan(darkPixels(img, cb.right + 2..<500, (cb.top - 8)..<(cb.top + 8)), 5)
    XCTAssertGreaterThan(darkPixels(img, cb.right + 2..<500, (cb.bottom - 8)..<(cb.bottom + 8)), 5)
    XCTAssertEqual(darkPixels(img, cb.right + 2..<500, (cb.top + 20)..<(cb.bottom - 20)), 0)
    // Labels and a single colour get no colorbar.
    XCTAssertNil(try scatterLayout([ScatterLayer(points: pts, colors: .categorical([0, 1, 2, 1, 0]))], options: opt).colorbar)
    XCTAssertNil(try scatterLayout([ScatterLayer(points: pts)], options: opt).colorbar)
    // the SVG draws the bar as rows of the colormap: its first and last colours are there
    let svg = try renderSVG([layer], options: opt)
    XCTAssertGreaterThan(svg.components(separatedBy: "<path").count, 250, "a row per pixel of the bar's height")
    // Through the command: a float vector as color=.
    let c = Capture()
    let dir = NSTemporaryDirectory() + "clus-colorbar-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    XCTAssertTrue(c.run("f = plot [[0, 0], [1, 1], [2, 0]] color=[0.5, 1.5, 4.0] xlabel=\"a\" ylabel=\"b\" out=\"\(dir)/c.png\""), c.err)
    guard case .figure(let f)? = c.session.variables["f"] else { return XCTFail("no figure") }
    XCTAssertEqual(try scatterLayout(f.layers, options: f.options).colorbar?.maxLabel, "4")
    XCTAssertEqual([f.options.xlabel, f.options.ylabel], ["a", "b"])
  }

  /// Three numbers as color= on exactly three points are the points' values, as matplotlib's
  /// `scatter(c=[…])` (value-mapping has precedence); on other counts they are one colour, and
  /// [[r, g, b]] is one colour on any count. Before, three floats on three points were one colour.
  func testThreeNumbersOnThreePointsAreValues() throws {
    let c = Capture()
    let dir = NSTemporaryDirectory() + "clus-rgb-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func colors(_ points: String, _ color: String) throws -> PointColors? {
      XCTAssertTrue(c.run("f = plot \(points) color=\(color) out=\"\(dir)/p.svg\""), c.err)
      guard case .figure(let f)? = c.session.variables["f"] else { XCTFail("no figure"); return nil }
      return f.layers.first?.colors
    }
    let three = "[[0, 0], [1, 1], [2, 0]]", four = "[[0, 0], [1, 1], [2, 0], [3, 3]]"
    XCTAssertEqual(try colors(three, "[0.1, 0.5, 0.9]"), .continuous([0.1, 0.5, 0.9]))
    XCTAssertEqual(try colors(three, "[0, 1, 1]"), .categorical([0, 1, 1]))
    XCTAssertEqual(try colors(three, "[[0.1, 0.5, 0.9]]"), .fixed(RGB(0.1, 0.5, 0.9)))
    XCTAssertEqual(try colors(four, "[0.1, 0.5, 0.9]"), .fixed(RGB(0.1, 0.5, 0.9)))
    XCTAssertEqual(try colors(four, "[[0, 1, 1]]"), .fixed(RGB(0, 1, 1)))
    // values outside [0, 1] are named as a colour's (it said "color has 3 values but the matrix has 4 rows")
    c.expectError("plot \(four) color=[255, 0, 0] out=\"\(dir)/p.svg\"", "an [r, g, b] colour takes values in [0, 1], got [255, 0, 0] (for 0–255 values, divide by 255)")
    c.expectError("plot \(three) color=[[1.5, 0, 0]] out=\"\(dir)/p.svg\"", "an [r, g, b] colour takes values in [0, 1], got [1.5, 0, 0]")
  }

  func testTooManyLabelsForALegendGiveANote() throws {
    let many = ScatterLayer(points: Matrix(rows: 30, cols: 2, data: (0..<60).map { Float($0) }),
                            colors: .categorical((0..<30).map { $0 - 1 }))  // noise and 29 labels
    var opt = PlotOptions(width: 400, height: 300)
    var notes: [String] = []
    _ = try renderScatter([many], options: opt) { notes.append($0) }
    XCTAssertEqual(notes, ["note: plot: 29 labels are too many for a legend (at most 20); the legend was left out (legend=false skips this note)"])
    XCTAssertEqual(try scatterLayout([many], options: opt).omittedLegendLabels, 29)
    notes = []
    _ = try renderSVG([many], options: opt) { notes.append($0) }
    XCTAssertEqual(notes.count, 1)
    // No note with legend=false, nor with few labels.
    notes = []
    opt.legend = false
    _ = try renderScatter([many], options: opt) { notes.append($0) }
    opt.legend = true
    let few = ScatterLayer(points: Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 2]), colors: .categorical([0, 1, 2]))
    _ = try renderScatter([few], options: opt) { notes.append($0) }
    XCTAssertEqual(notes, [])
    // The command writes it to stderr.
    let c = Capture()
    let dir = NSTemporaryDirectory() + "clus-legend-note-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    c.session.display = PlotFolder(dir)
    c.session.variables["m"] = .matrix(many.points)
    c.session.variables["l"] = .labels((0..<30).map { $0 % 25 })
    XCTAssertTrue(c.run("plot m color=l"), c.err)
    XCTAssertTrue(c.err.contains("25 labels are too many for a legend (at most 20); the legend was left out"), c.err)
    XCTAssertTrue(c.run("plot m color=l legend=false"), c.err)
    XCTAssertFalse(c.err.contains("too many"), c.err)
  }

  /// `out=` as matplotlib's savefig: relative to the working directory (in the REPL too), and a
  /// missing folder is an error naming it, as `save`'s; `--plot-dir` is where plots without out= go.
  func testOutIsRelativeToTheWorkingDirectoryAndItsFolderMustExist() throws {
    let fm = FileManager.default
    let dir = NSTemporaryDirectory() + "clus-out-\(getpid())"
    try fm.createDirectory(atPath: dir + "/cwd", withIntermediateDirectories: true)
    defer { try? fm.removeItem(atPath: dir) }
    let saved = fm.currentDirectoryPath
    XCTAssertTrue(fm.changeCurrentDirectoryPath(dir + "/cwd"))
    defer { _ = fm.changeCurrentDirectoryPath(saved) }
    let c = Capture()
    c.session.variables["m"] = .matrix(Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 0]))
    XCTAssertTrue(c.run("plot m out=\"a.png\""), c.err)
    XCTAssertTrue(fm.fileExists(atPath: dir + "/cwd/a.png"))
    XCTAssertFalse(fm.fileExists(atPath: dir + "/cwd/out"), "not under the plot folder")
    XCTAssertTrue(c.err.contains("wrote a.png"), c.err)
    try fm.createDirectory(atPath: dir + "/cwd/sub", withIntermediateDirectories: true)
    XCTAssertTrue(c.run("plot m out=\"sub/b.svg\""), c.err)
    XCTAssertTrue(fm.fileExists(atPath: dir + "/cwd/sub/b.svg"))
    // A missing folder: an error naming it, and nothing created (plot and save alike).
    let missing = dir + "/nonexistent/dir"
    c.expectError("plot m out=\"\(missing)/p.png\"", "no such directory '\(missing)'")
    c.expectError("plot m out=\"nope/p.png\"", "no such directory 'nope'")
    c.expectError("save m \"\(missing)/m.npy\"", "no such directory '\(missing)'")
    c.expectError("save m \"nope/m.csv\"", "no such directory 'nope'")
    XCTAssertFalse(fm.fileExists(atPath: dir + "/nonexistent"))
    XCTAssertFalse(fm.fileExists(atPath: dir + "/cwd/nope"))
    // A file where a folder should be: said so (it was "no such directory" for a file that is there)
    XCTAssertTrue(c.run("save m \"m.npy\""), c.err)
    c.expectError("plot m out=\"m.npy/p.png\"", "cannot write: 'm.npy' is a file, not a directory")
    c.expectError("save m \"m.npy/x/m.csv\"", "cannot write: 'm.npy' is a file, not a directory (in 'm.npy/x')")
    // Without out=: the next plot-N.png in the plot folder, which is created.
    c.session.display = PlotFolder(dir + "/plots")
    XCTAssertTrue(c.run("plot m; plot m"), c.err)
    XCTAssertTrue(fm.fileExists(atPath: dir + "/plots/plot-1.png"))
    XCTAssertTrue(fm.fileExists(atPath: dir + "/plots/plot-2.png"))
  }

  /// `plot` hands each picture to the session's display sink: a PNG to keep where it likes
  /// without out=, the file written with out=, nothing for `f = plot ...`.
  func testPlotHandsPicturesToTheDisplaySink() throws {
    final class Recorder: DisplaySink {
      var pictures: [Picture] = []
      func show(_ picture: Picture) throws -> String? {
        pictures.append(picture)
        return picture.path == nil ? "kept-\(pictures.count).png" : nil
      }
    }
    let fm = FileManager.default
    let dir = NSTemporaryDirectory() + "clus-display-sink-\(getpid())"
    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? fm.removeItem(atPath: dir) }
    let c = Capture()
    let recorder = Recorder()
    c.session.display = recorder
    c.session.variables["m"] = .matrix(Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 0]))
    XCTAssertTrue(c.run("plot m width=40 height=30"), c.err)
    XCTAssertEqual(c.err, "wrote kept-1.png\n")
    XCTAssertEqual(recorder.pictures.count, 1)
    XCTAssertEqual(recorder.pictures[0].format, .png)
    XCTAssertEqual(recorder.pictures[0].suggestedName, "plot")
    XCTAssertNil(recorder.pictures[0].path)
    XCTAssertEqual(Array(recorder.pictures[0].bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    XCTAssertTrue(c.run("f = plot m"), c.err)
    XCTAssertEqual(recorder.pictures.count, 1, "a figure bound to a name is not drawn")
    XCTAssertTrue(c.run("plot f out=\"\(dir)/f.svg\""), c.err)
    XCTAssertEqual(c.err, "wrote \(dir)/f.svg\n")
    XCTAssertEqual(recorder.pictures.count, 2)
    XCTAssertEqual(recorder.pictures[1].format, .svg)
    XCTAssertEqual(recorder.pictures[1].path, dir + "/f.svg")
    XCTAssertEqual(fm.contents(atPath: dir + "/f.svg").map { Array($0) }, recorder.pictures[1].bytes)
  }

  func testBadInputThrows() throws {
    let ok = Matrix(rows: 3, cols: 2, data: [0, 0, 1, 1, 2, 2])
    func message(_ layers: [ScatterLayer], _ opt: PlotOptions = PlotOptions()) -> String {
      do {
        _ = try renderScatter(layers, options: opt)
        return ""
      } catch {
        XCTAssertTrue(error is PlotError, "\(error)")
        return "\(error)"
      }
    }
    XCTAssertTrue(message([ScatterLayer(points: Matrix(rows: 3, cols: 1, data: [1, 2, 3]))]).contains("2 columns"))
    XCTAssertTrue(message([ScatterLayer(points: ok, colors: .categorical([1, 2]))]).contains("2 colour labels for 3 points"))
    XCTAssertTrue(message([ScatterLayer(points: ok, colors: .continuous([1, 2, 3, 4]))]).contains("4 colour values"))
    XCTAssertTrue(message([ScatterLayer(points: ok, colors: .continuous([1, .infinity, 3]))]).contains("not finite"))
    // a missing value (NaN) is drawn grey beneath the others, as scanpy's na_color (it was refused)
    let prepared = try prepareScatterLayers([ScatterLayer(points: ok, colors: .continuous([1, .nan, 3]))], options: PlotOptions())
    XCTAssertEqual(prepared[0].order, [1, 0, 2])
    XCTAssertEqual(Array(prepared[0].rgba[4..<7]), [0.5, 0.5, 0.5])
    XCTAssertEqual(prepared[0].range?.lo, 1)
    XCTAssertEqual(prepared[0].range?.hi, 3)
    let cm = message([ScatterLayer(points: ok, colors: .categorical([0, 1, 2]))], PlotOptions(cmap: "jet"))
    XCTAssertTrue(cm.contains("'jet'") && cm.contains("Spectral") && cm.contains("viridis") && cm.contains("tab10"), cm)
    XCTAssertTrue(message([]).contains("no data points"))
    XCTAssertTrue(message([ScatterLayer(points: Matrix(rows: 0, cols: 2, data: []))]).contains("no data points"))
    XCTAssertTrue(message([ScatterLayer(points: Matrix(rows: 2, cols: 2, data: [0, 1, .nan, 2]))]).contains("row 1"))
    XCTAssertTrue(message([ScatterLayer(points: ok, size: -1)]).contains("size"))
    XCTAssertTrue(message([ScatterLayer(points: ok)], PlotOptions(width: 0, height: 10)).contains("size"))
    // Unwritable path: the error names it.
    let img = try renderScatter([ScatterLayer(points: ok)], options: PlotOptions(width: 40, height: 30))
    let bad = "/nonexistent-dir-\(getpid())/plot.png"
    XCTAssertThrowsError(try writePNG(img, path: bad)) { e in
      XCTAssertTrue("\(e)".contains(bad), "\(e)")
    }
    XCTAssertThrowsError(try decodePNG(path: bad)) { e in XCTAssertTrue("\(e)".contains(bad)) }
    // SVG is limited to small plots.
    let big = Matrix(rows: svgMaxPoints + 1, cols: 2, repeating: 1)
    XCTAssertThrowsError(try renderSVG([ScatterLayer(points: big)]))
  }

  func testDegenerateInputsRender() throws {
    // One point; identical points; a 16 × 16 canvas; huge coordinates; continuous constant colours.
    let one = ScatterLayer(points: Matrix(rows: 1, cols: 2, data: [3, 4]), size: 5)
    let img = try renderScatter([one], options: PlotOptions(width: 16, height: 16))
    let L = try scatterLayout([one], options: PlotOptions(width: 16, height: 16))
    XCTAssertEqual(L.xMin, 2.5)
    XCTAssertEqual(L.xMax, 3.5)
    let c = L.pixel(x: 3, y: 4)
    let px = img.pixel(Int(c.x), Int(c.y))
    let want = RGB.matplotlibC0.bytes
    XCTAssertEqual([px.r, px.g, px.b], [want.r, want.g, want.b])
    let same = ScatterLayer(points: Matrix(rows: 3, cols: 2, repeating: 1e30), colors: .continuous([2, 2, 2]))
    let img2 = try renderScatter([same], options: PlotOptions(width: 200, height: 150, title: String(repeating: "long title ", count: 20)))
    XCTAssertEqual(img2.width, 200)
    // Constant continuous values map to the first colormap entry (matplotlib Normalize with vmin == vmax).
    let p = try prepareScatterLayers([same], options: PlotOptions())[0]
    XCTAssertEqual(Double(p.rgba[0]), 0.6196078431372549, accuracy: 1e-6)
    XCTAssertThrowsError(try renderScatter([one], options: PlotOptions(width: 8192, height: 8192)))
  }

  func testSVG() throws {
    let pts = Matrix(rows: 5, cols: 2, data: [0, 0, 1, 1, 2, 0, 3, 1, 2, 2])
    let svg = try renderSVG([ScatterLayer(points: pts, colors: .categorical([0, 1, -1, 1, 0]))],
                            options: PlotOptions(width: 300, height: 200, title: "a<b"))
    XCTAssertTrue(svg.hasPrefix("<?xml"))
    XCTAssertTrue(svg.hasSuffix("</svg>\n"))
    XCTAssertTrue(svg.contains("width=\"300px\" height=\"200px\""), "pixels, as the PNG")
    // 5 points + legend swatches (noise, 0, 1): a disc is a closed path of Bézier arcs (M x y C ...)
    let body = svg.components(separatedBy: "</defs>").last!
    let discs = body.components(separatedBy: "\"M ").dropFirst().filter { $0.split(separator: " ").dropFirst(2).first == "C" }.count
      + body.components(separatedBy: " M ").dropFirst().filter { $0.split(separator: " ").dropFirst(2).first == "C" }.count
    XCTAssertEqual(discs, 8)
    XCTAssertTrue(svg.contains("fill:rgb(50%,50%,50%);fill-opacity:0.5;"), "noise grey at alpha 0.5")
    // the title's three glyphs, the legend's words and the tick labels are drawn (as glyph uses)
    XCTAssertGreaterThan(body.components(separatedBy: "<use xlink:href=\"#glyph").count - 1, 3 + "noise01".count)
    // PDF: the same drawing on a page of 300 × 200 points
    let pdf = try renderScatter([ScatterLayer(points: pts, colors: .categorical([0, 1, -1, 1, 0]))],
                                options: PlotOptions(width: 300, height: 200, title: "a<b"), format: .pdf)
    XCTAssertEqual(Array(pdf.prefix(5)), Array("%PDF-".utf8))
    XCTAssertTrue(String(decoding: pdf, as: UTF8.self).contains("/MediaBox [ 0 0 300 200 ]"))
  }

  /// Renders a 70,000-point Gaussian mixture with 10 labels (and 10 % noise) and reports the time.
  /// Runs only when CLUS_PLOT_DEMO names an output PNG path (a release-build benchmark).
  func testDemoRender() throws {
    guard let out = ProcessInfo.processInfo.environment["CLUS_PLOT_DEMO"] else {
      throw XCTSkip("set CLUS_PLOT_DEMO=/path/out.png to render the 70,000-point demo")
    }
    let n = 70_000
    var rng = RandomStream(seed: 42, 0)
    var centres: [(Double, Double, Double)] = []
    for _ in 0..<10 {
      centres.append((rng.nextDouble() * 20 - 10, rng.nextDouble() * 20 - 10, 0.4 + rng.nextDouble() * 1.2))
    }
    var data = [Float](repeating: 0, count: 2 * n)
    var labels = [Int](repeating: 0, count: n)
    for i in 0..<n {
      if rng.nextDouble() < 0.1 {
        labels[i] = -1
        data[2 * i] = Float(rng.nextDouble() * 24 - 12)
        data[2 * i + 1] = Float(rng.nextDouble() * 24 - 12)
      } else {
        let c = rng.nextInt(10)
        labels[i] = c
        data[2 * i] = Float(centres[c].0 + centres[c].2 * rng.nextGaussian())
        data[2 * i + 1] = Float(centres[c].1 + centres[c].2 * 0.6 * rng.nextGaussian())
      }
    }
    let layer = ScatterLayer(points: Matrix(rows: n, cols: 2, data: data), colors: .categorical(labels))
    let opt = PlotOptions(title: "Gaussian mixture: 70000 points, 10 labels")
    var times: [Double] = []
    var img = RGBAImage(width: 1, height: 1)
    for _ in 0..<5 {
      let t0 = DispatchTime.now().uptimeNanoseconds
      img = try renderScatter([layer], options: opt)
      times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    let t0 = DispatchTime.now().uptimeNanoseconds
    let png = try encodePNG(img)
    let tPNG = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    try plotWriteFile(png, path: out)
    // Small plots: 300 points, tab10 labels; continuous viridis colours; SVG.
    let m = 300
    let small = ScatterLayer(points: Matrix(rows: m, cols: 2, data: Array(data[0..<(2 * m)])),
                             colors: .categorical(Array(labels[0..<m])))
    var o2 = PlotOptions(width: 640, height: 480, title: "tab10, 300 points", cmap: "tab10")
    try writePNG(try renderScatter([small], options: o2), path: out + ".tab10.png")
    let values = (0..<m).map { data[2 * $0] + data[2 * $0 + 1] }
    o2.title = "viridis, continuous (x + y)"
    o2.cmap = "viridis"
    let cont = ScatterLayer(points: small.points, colors: .continuous(values), size: 6, alpha: 0.8)
    try writePNG(try renderScatter([cont], options: o2), path: out + ".viridis.png")
    try writeSVG([small], options: PlotOptions(width: 640, height: 480, title: "SVG"), path: out + ".svg")
    print("render times (s): \(times.map { String(format: "%.4f", $0) }.joined(separator: " ")); "
      + "median \(times.sorted()[2]); PNG encode \(String(format: "%.4f", tPNG)) s, \(png.count) bytes")
  }
}
