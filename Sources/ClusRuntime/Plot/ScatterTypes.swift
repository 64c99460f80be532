// The scatter plot's public types: its errors, the layers and their colours, the options, and the
// computed layout (axes, ticks, legend, colorbar) that `renderScatter` draws.

import ClusAlgorithms
import Foundation

/// Errors of the plot engine (bad input, unknown colormap, file output).
public enum PlotError: Error, Equatable, CustomStringConvertible {
  /// The data or a parameter cannot be plotted; the message says why.
  case invalidInput(String)
  /// The colormap name is not known; `known` lists the accepted names.
  case unknownColormap(name: String, known: [String])
  /// Writing or reading a file failed: the path and the reason.
  case io(path: String, reason: String)
  /// PNG encoding or decoding failed (libpng's message).
  case png(String)

  /// A one-line human-readable message.
  public var description: String {
    switch self {
    case .invalidInput(let m): return m
    case .unknownColormap(let n, let k):
      return "unknown colormap '\(n)'; known colormaps: \(k.joined(separator: ", ")) (append _r to reverse)"
    case .io(let p, let r): return "cannot access '\(p)': \(r)"
    case .png(let m): return "PNG error: \(m)"
    }
  }
}

/// How the points of a layer are coloured.
public enum PointColors: Sendable, Equatable {
  /// One colour for every point (matplotlib `color=`).
  case fixed(RGB)
  /// One integer label per point (matplotlib `c=labels`): label −1 (any negative label) is noise,
  /// drawn first in `PlotOptions.noiseColor`; the other labels go through the colormap after linear
  /// normalisation from the smallest to the largest non-noise label (matplotlib `Normalize`), or, for a
  /// qualitative colormap (`tab10`), label i takes entry i mod N.
  case categorical([Int])
  /// One value per point, min–max normalised through the colormap (matplotlib `c=values`); a
  /// missing value (NaN) is drawn first in `PlotOptions.noiseColor`, as scanpy's `na_color`.
  case continuous([Float])
}

/// One `plt.scatter` call: points, their colours, marker size and opacity.
public struct ScatterLayer: Sendable {
  /// `n × d` matrix, d ≥ 2: column 0 is x, column 1 is y (further columns are ignored).
  public var points: Matrix
  /// Colours of the points (a per-point vector must have n entries).
  public var colors: PointColors
  /// Marker diameter in pixels; nil uses `PlotOptions.pointSize` or a size chosen from the number of points.
  public var size: Float?
  /// Opacity in [0, 1] (matplotlib `alpha`), multiplied by `PlotOptions.alpha`.
  public var alpha: Float
  /// Names of categorical labels for the legend (label i is `categoryNames[i]`; −1 is "NaN");
  /// nil shows the label numbers.
  public var categoryNames: [String]?

  /// A layer; the default colour is matplotlib's first cycle colour `C0` (#1f77b4).
  public init(points: Matrix, colors: PointColors = .fixed(.matplotlibC0), size: Float? = nil,
              alpha: Float = 1, categoryNames: [String]? = nil) {
    self.points = points
    self.colors = colors
    self.size = size
    self.alpha = alpha
    self.categoryNames = categoryNames
  }
}

/// Figure options of `renderScatter` (defaults follow the matplotlib figures of the umap-learn
/// clustering walk-through: `plt.scatter(e[:,0], e[:,1], c=labels, s=0.1, cmap='Spectral')` with noise
/// drawn first in grey (0.5, 0.5, 0.5) at alpha 0.5).
public struct PlotOptions: Sendable {
  /// Image width in pixels (16...8192; width × height at most `maxPlotPixels`).
  public var width: Int = 1000
  /// Image height in pixels (16...8192).
  public var height: Int = 800
  /// Title drawn above the axes (any Unicode text DejaVu Sans has glyphs for).
  public var title: String? = nil
  /// Label under the x axis (matplotlib `xlabel`), drawn when the axes are.
  public var xlabel: String? = nil
  /// Label left of the y axis, reading upward (matplotlib `ylabel`), drawn when the axes are.
  public var ylabel: String? = nil
  /// Colormap name for categorical and continuous colours (see `Colormap.knownNames`).
  public var cmap: String = "Spectral"
  /// Colour of noise points (label −1 in a categorical layer).
  public var noiseColor: RGB = RGB(grey: 0.5)
  /// Opacity factor of noise points (the walk-through uses alpha = 0.5 for noise).
  public var noiseAlpha: Float = 0.5
  /// Whether to draw a legend (label → colour) for categorical layers with at most `maxLegendEntries`
  /// distinct non-noise labels.
  public var legend: Bool = true
  /// Largest number of distinct labels that still gets a legend.
  public var maxLegendEntries: Int = 20
  /// Whether to draw tick marks and tick labels (skipped on canvases smaller than 200 × 150).
  public var axes: Bool = true
  /// Marker diameter in pixels for layers without their own size; nil chooses
  /// `clamp(400 / √n, 1.5, 8) × min(width, height) / 800` from the total number of points n
  /// (≈ 1.5 px at 70,000 points on 1000 × 800, like `s=0.1` in matplotlib).
  public var pointSize: Float? = nil
  /// Global opacity factor in [0, 1] applied to every layer.
  public var alpha: Float = 1
  /// Each cluster's name drawn at the median of its points instead of a legend (scanpy's
  /// `legend_loc="on data"`).
  public var labelsOnData: Bool = false
  /// Whether the x axis gets ticks and tick labels (a condensed tree's x positions mean nothing).
  public var xTicks: Bool = true
  /// The y axis runs downward: the data's y values are the negated quantity and the tick labels
  /// show it positive (a condensed tree's λ grows downward, as matplotlib's `invert_yaxis`).
  public var yDownward: Bool = false

  /// Default options (1000 × 800, Spectral, grey noise, legend on).
  public init(width: Int = 1000, height: Int = 800, title: String? = nil, cmap: String = "Spectral") {
    self.width = width
    self.height = height
    self.title = title
    self.cmap = cmap
  }
}

/// A colorbar for continuous colours (matplotlib `plt.colorbar()`): a vertical bar right of the
/// axes from the colormap's first entry at the bottom (the smallest value) to its last at the top
/// (the largest), with those two values as tick labels.
public struct PlotColorbar: Sendable, Equatable {
  /// Left pixel column of the bar's interior.
  public let left: Int
  /// Top pixel row of the bar's interior.
  public let top: Int
  /// One past the right pixel column of the bar's interior.
  public let right: Int
  /// One past the bottom pixel row of the bar's interior.
  public let bottom: Int
  /// The smallest colour value (bottom of the bar).
  public let min: Double
  /// The largest colour value (top of the bar).
  public let max: Double
  /// Tick label of `min` (4 significant digits).
  public let minLabel: String
  /// Tick label of `max`.
  public let maxLabel: String
}

/// Where things go on the figure: the axes rectangle in pixels and the data range it shows.
public struct PlotLayout: Sendable {
  /// Image size in pixels.
  public let width: Int
  /// Image height in pixels.
  public let height: Int
  /// Axes interior, pixel columns `plotLeft..<plotRight`, rows `plotTop..<plotBottom` (the frame is
  /// drawn just outside). Points are clipped to it.
  public let plotLeft: Int
  /// Top pixel row of the axes interior.
  public let plotTop: Int
  /// One past the right pixel column of the axes interior.
  public let plotRight: Int
  /// One past the bottom pixel row of the axes interior.
  public let plotBottom: Int
  /// Data range shown: the common bounds of all layers widened by 5 % on each side (matplotlib margins).
  public let xMin: Double
  /// Largest x shown (data units).
  public let xMax: Double
  /// Smallest y shown (data units).
  public let yMin: Double
  /// Largest y shown (data units).
  public let yMax: Double
  /// Tick values on each axis (empty when axes are not drawn).
  public let xTicks: [Double]
  /// Tick values on the y axis.
  public let yTicks: [Double]
  /// Legend entries (label text and colour), empty when no legend is drawn.
  public let legend: [(label: String, color: RGB)]
  /// Marker diameter (pixels) used for each layer.
  public let pointSizes: [Double]
  /// The colorbar of the first layer with continuous colours (nil when there is none or the axes
  /// are not drawn); its range is that layer's.
  public let colorbar: PlotColorbar?
  /// The number of distinct labels when a legend was asked for but left out because there are more
  /// than `PlotOptions.maxLegendEntries` (0 otherwise); `renderScatter` reports it as a note.
  public let omittedLegendLabels: Int

  let textScale: Int
  /// Tick label, legend and axis label font size (pixels).
  let fontSize: Double
  /// The title's font size (pixels; 0 when no title is drawn).
  let titleSize: Double
  let xTickLabels: [String]
  let yTickLabels: [String]
  let legendX: Int
  let legendRowHeight: Double
  let xLabelTop: Int
  let yLabelLeft: Int
  let xlabel: String?
  let ylabel: String?
  /// Names drawn on the data (`PlotOptions.labelsOnData`): text and its centre in pixels (at its
  /// cluster's median, or a line above or below it where it would cover an earlier name).
  let onData: [(label: String, x: Double, y: Double)]

  /// Continuous pixel position of data point (x, y); pixel (i, j) covers [i, i+1) × [j, j+1), y grows downward.
  public func pixel(x: Double, y: Double) -> (x: Double, y: Double) {
    (Double(plotLeft) + (x - xMin) / (xMax - xMin) * Double(plotRight - plotLeft),
     Double(plotBottom) - (y - yMin) / (yMax - yMin) * Double(plotBottom - plotTop))
  }
}
