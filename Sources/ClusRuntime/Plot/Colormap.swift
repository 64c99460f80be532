/// A colormap with a lookup table, reproducing matplotlib's `Colormap.__call__` for float input:
/// `index = min(Int(x × N), N − 1)` for x in [0, 1] (values below 0 map to entry 0, above 1 to entry N − 1).
///
/// Known maps (matplotlib 3.x definitions):
/// - `Spectral`: `LinearSegmentedColormap.from_list` of the 11 ColorBrewer colours (`_Spectral_data`), N = 256.
/// - `viridis`: `ListedColormap(_viridis_data)`, N = 256.
/// - `tab10`: `ListedColormap(_tab10_data)`, N = 10 (qualitative: integer label i → entry i mod 10).
/// - `gray` (alias `grey`): `LinearSegmentedColormap` from black to white, N = 256.
/// Each name also exists reversed with the suffix `_r`.
public struct Colormap: Sendable {
  /// The name it was looked up by (for example `"Spectral"`).
  public let name: String
  /// The N lookup-table entries.
  public let lut: [RGB]
  /// Whether the map is qualitative (listed categorical colours): integer labels index it modulo N.
  public let isQualitative: Bool

  /// Names accepted by `Colormap(named:)` (reversed variants `<name>_r` are accepted too).
  public static let knownNames = ["Spectral", "viridis", "tab10", "gray"]

  /// Number of entries N.
  public var count: Int { lut.count }

  /// Looks a colormap up by its matplotlib name (case-sensitive, as in matplotlib; `grey` = `gray`,
  /// suffix `_r` reverses).
  /// - Throws: `PlotError.unknownColormap` listing the known names.
  public init(named name: String) throws {
    var base = name
    var reversed = false
    if base.hasSuffix("_r") {
      base.removeLast(2)
      reversed = true
    }
    var table: [RGB]
    var qualitative = false
    switch base {
    case "Spectral": table = Colormap.spectralLUT
    case "viridis": table = Colormap.viridisLUT
    case "tab10":
      table = Colormap.tab10LUT
      qualitative = true
    case "gray", "grey": table = Colormap.grayLUT
    default:
      throw PlotError.unknownColormap(name: name, known: Colormap.knownNames)
    }
    if reversed { table.reverse() }
    self.name = name
    self.lut = table
    self.isQualitative = qualitative
  }

  /// The colour for a normalised value `x` (matplotlib: `cmap(x)` for a float x).
  /// NaN maps to entry 0.
  @inlinable public func callAsFunction(_ x: Double) -> RGB { lut[index(x)] }

  /// The lookup-table index for a normalised value: `min(Int(x × N), N − 1)`, clamped to 0...N−1.
  @inlinable public func index(_ x: Double) -> Int {
    let n = lut.count
    let v = x * Double(n)
    if !(v >= 0) { return 0 }
    if v >= Double(n) { return n - 1 }
    return Int(v)
  }

  /// The colour of integer label `i` for a qualitative map: entry `i mod N` (non-negative modulo).
  public func categorical(_ i: Int) -> RGB {
    let n = lut.count
    return lut[((i % n) + n) % n]
  }

  // MARK: - Tables

  /// matplotlib `_cm._Spectral_data` (ColorBrewer "Spectral", 11 classes).
  static let spectralColors: [RGB] = [
    RGB(0.6196078431372549, 0.00392156862745098, 0.25882352941176473),
    RGB(0.8352941176470589, 0.24313725490196078, 0.30980392156862746),
    RGB(0.9568627450980393, 0.42745098039215684, 0.2627450980392157),
    RGB(0.9921568627450981, 0.6823529411764706, 0.3803921568627451),
    RGB(0.996078431372549, 0.8784313725490196, 0.5450980392156862),
    RGB(1.0, 1.0, 0.7490196078431373),
    RGB(0.9019607843137255, 0.9607843137254902, 0.596078431372549),
    RGB(0.6705882352941176, 0.8666666666666667, 0.6431372549019608),
    RGB(0.4, 0.7607843137254902, 0.6470588235294118),
    RGB(0.19607843137254902, 0.5333333333333333, 0.7411764705882353),
    RGB(0.3686274509803922, 0.30980392156862746, 0.6352941176470588),
  ]

  /// matplotlib `_cm._tab10_data` (Tableau 10).
  static let tab10LUT: [RGB] = [
    RGB(0.12156862745098039, 0.4666666666666667, 0.7058823529411765),
    RGB(1.0, 0.4980392156862745, 0.054901960784313725),
    RGB(0.17254901960784313, 0.6274509803921569, 0.17254901960784313),
    RGB(0.8392156862745098, 0.15294117647058825, 0.1568627450980392),
    RGB(0.5803921568627451, 0.403921568627451, 0.7411764705882353),
    RGB(0.5490196078431373, 0.33725490196078434, 0.29411764705882354),
    RGB(0.8901960784313725, 0.4666666666666667, 0.7607843137254902),
    RGB(0.4980392156862745, 0.4980392156862745, 0.4980392156862745),
    RGB(0.7372549019607844, 0.7411764705882353, 0.13333333333333333),
    RGB(0.09019607843137255, 0.7450980392156863, 0.8117647058823529),
  ]

  static let spectralLUT: [RGB] = {
    let c = spectralColors
    let r = segmentLUT(256, values: c.map(\.r))
    let g = segmentLUT(256, values: c.map(\.g))
    let b = segmentLUT(256, values: c.map(\.b))
    return (0..<256).map { RGB(r[$0], g[$0], b[$0]) }
  }()

  static let grayLUT: [RGB] = segmentLUT(256, values: [0, 1]).map { RGB(grey: $0) }

  static let viridisLUT: [RGB] = (0..<256).map {
    RGB(viridisData[3 * $0], viridisData[3 * $0 + 1], viridisData[3 * $0 + 2])
  }

  /// matplotlib `_create_lookup_table(N, data)` for `from_list` segment data: control points at
  /// `linspace(0, 1, m)` with equal left/right values, sampled at `(N − 1) × linspace(0, 1, N)`,
  /// each sample linearly interpolated between the control points found by `searchsorted` (left).
  static func segmentLUT(_ n: Int, values y: [Double]) -> [Double] {
    let m = y.count
    // np.linspace(0, 1, m) * (N - 1): arange(m) * (1 / (m - 1)), last set to exactly 1.
    let stepX = 1.0 / Double(m - 1)
    var x = (0..<m).map { Double($0) * stepX }
    x[m - 1] = 1
    x = x.map { $0 * Double(n - 1) }
    let stepI = 1.0 / Double(n - 1)
    var lut = [Double](repeating: 0, count: n)
    lut[0] = y[0]
    lut[n - 1] = y[m - 1]
    if n > 2 {
      for j in 1..<(n - 1) {
        let xi = Double(n - 1) * (Double(j) * stepI)
        var ind = 0
        while ind < m && x[ind] < xi { ind += 1 }  // searchsorted, side = left
        ind = min(max(ind, 1), m - 1)
        let distance = (xi - x[ind - 1]) / (x[ind] - x[ind - 1])
        lut[j] = distance * (y[ind] - y[ind - 1]) + y[ind - 1]
      }
    }
    return lut.map { min(max($0, 0), 1) }
  }
}
