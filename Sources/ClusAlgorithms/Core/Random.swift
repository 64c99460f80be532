#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// SplitMix64 step (Steele, Lea & Flood 2014): a bijective 64-bit mixer used to derive seeds.
@inlinable public func splitMix64(_ x: inout UInt64) -> UInt64 {
  x &+= 0x9E37_79B9_7F4A_7C15
  var z = x
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

/// A seedable, splittable random stream (xoshiro256**, Blackman & Vigna 2018).
///
/// Determinism rule of the project: every random choice comes from a stream derived from
/// `(random_state, purpose, index...)`, never from shared state, so results do not depend on
/// thread scheduling.
public struct RandomStream: RandomNumberGenerator, Sendable {
  @usableFromInline var s0: UInt64
  @usableFromInline var s1: UInt64
  @usableFromInline var s2: UInt64
  @usableFromInline var s3: UInt64

  /// A stream from a seed and any number of derivation keys (purpose, epoch, block, ...).
  public init(seed: UInt64, _ keys: UInt64...) {
    self.init(seed: seed, keys: keys)
  }

  /// A stream from a seed and an array of derivation keys.
  public init(seed: UInt64, keys: [UInt64]) {
    var x = seed
    var h = splitMix64(&x)
    for k in keys {
      var y = h ^ (k &* 0xD6E8_FEB8_6659_FD93)
      h = splitMix64(&y)
    }
    var z = h
    s0 = splitMix64(&z); s1 = splitMix64(&z); s2 = splitMix64(&z); s3 = splitMix64(&z)
    if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
  }

  /// The next 64 random bits.
  @inlinable public mutating func next() -> UInt64 {
    let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
    let t = s1 << 17
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
    s2 ^= t
    s3 = (s3 << 45) | (s3 >> 19)
    return result
  }

  /// A uniform integer in `0..<n` (n ≥ 1), by Lemire's multiply-shift (tiny bias is irrelevant here).
  @inlinable public mutating func nextInt(_ n: Int) -> Int {
    Int((UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(n)) >> 32)
  }

  /// A uniform Float in [0, 1).
  @inlinable public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

  /// A uniform Double in [0, 1).
  @inlinable public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

  /// A standard normal deviate (Box–Muller).
  public mutating func nextGaussian() -> Double {
    var u = nextDouble()
    while u <= 0 { u = nextDouble() }
    let v = nextDouble()
    return (-2 * Elementary.log(u)).squareRoot() * Elementary.cos(2 * Double.pi * v)
  }
}

/// A seed for `random_state = none`: from the clock, so runs differ.
public func seedFromClock() -> UInt64 {
  #if canImport(Glibc)
  var ts = timespec()
  clock_gettime(CLOCK_REALTIME, &ts)
  return UInt64(ts.tv_sec) &* 1_000_000_007 &+ UInt64(ts.tv_nsec)
  #else
  return UInt64(time(nil))
  #endif
}
