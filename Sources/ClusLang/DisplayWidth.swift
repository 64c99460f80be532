/// How many terminal columns a Unicode scalar takes, for placing a diagnostic's caret under its column
/// (wcwidth's rules, without the C library's locale):
///
/// - 0 for a combining or format character (general category Mn, Me or Cf: an accent written after its
///   letter, a zero-width joiner), except U+00AD SOFT HYPHEN, which terminals show as one column;
/// - 2 for an East Asian Wide or Fullwidth character (Unicode's EastAsianWidth.txt, W and F: CJK
///   ideographs, kana, hangul, fullwidth forms) and for an emoji shown as a picture by default
///   (Emoji_Presentation), which the Unicode data also classes as W. The regional indicators that pair
///   into a flag are narrow each, as EastAsianWidth.txt has them;
/// - 1 otherwise, ambiguous (A) characters included, as a terminal not set for CJK shows them.
///
/// A tab or control character is the caller's to handle: it counts 1 here.
func displayWidth(_ s: Unicode.Scalar) -> Int {
  let v = s.value
  if v < 0x300 { return 1 }  // ASCII and Latin-1, the soft hyphen included: one column each
  switch s.properties.generalCategory {
  case .nonspacingMark, .enclosingMark, .format: return 0
  default: break
  }
  if s.properties.isEmojiPresentation && !(0x1F1E6...0x1F1FF).contains(v) { return 2 }
  return isWide(v) ? 2 : 1
}

/// The East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt that are not
/// emoji (those are found by their Emoji_Presentation property). Each range is given whole, the
/// unassigned code points inside it too, as the file's defaults make the CJK blocks wide.
private let wideRanges: [ClosedRange<UInt32>] = [
  0x1100...0x115F,  // Hangul Jamo: leading consonants
  0x2329...0x232A,  // angle brackets
  0x2E80...0x303E,  // CJK radicals, Kangxi radicals, ideographic description, CJK symbols and punctuation
  0x3041...0x3247,  // hiragana, katakana, bopomofo, Hangul compatibility jamo, kanbun, CJK strokes, enclosed CJK
  0x3250...0x4DBF,  // enclosed CJK letters, CJK compatibility, CJK extension A
  0x4E00...0xA4CF,  // CJK unified ideographs, Yi syllables and radicals
  0xA960...0xA97F,  // Hangul Jamo extended A
  0xAC00...0xD7A3,  // Hangul syllables
  0xF900...0xFAFF,  // CJK compatibility ideographs
  0xFE10...0xFE19,  // vertical forms
  0xFE30...0xFE6F,  // CJK compatibility forms, small form variants
  0xFF00...0xFF60,  // fullwidth ASCII forms
  0xFFE0...0xFFE6,  // fullwidth signs
  0x16FE0...0x1B2FF,  // ideographic symbols, Tangut, Khitan, kana supplement and extensions, Nüshu
  0x1F200...0x1F2FF,  // enclosed ideographic supplement
  0x20000...0x2FFFD,  // CJK extensions B to F, compatibility supplement (plane 2)
  0x30000...0x3FFFD,  // CJK extension G and after (plane 3)
]

/// Whether code point `v` is in `wideRanges` (a binary search: the ranges are sorted and disjoint).
private func isWide(_ v: UInt32) -> Bool {
  var lo = 0, hi = wideRanges.count
  while lo < hi {
    let mid = (lo + hi) / 2
    if wideRanges[mid].upperBound < v { lo = mid + 1 } else { hi = mid }
  }
  return lo < wideRanges.count && wideRanges[lo].contains(v)
}

/// How many terminal columns a string of printable characters takes (the sum of `displayWidth` over its
/// scalars: 2 for a CJK ideograph or a wide emoji, 0 for a combining accent), for aligning table columns.
public func terminalWidth(_ s: String) -> Int {
  s.unicodeScalars.reduce(0) { $0 + displayWidth($1) }
}
