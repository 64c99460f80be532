import Foundation
import XCTest
@testable import ClusRuntime

/// The memory a run may use (issue 16): the machine's MemAvailable and the room under the
/// control group's limit, read from cgroup v1 and v2 files laid out as the kernel does.
final class MemoryTests: XCTestCase {
  private var root = ""

  override func setUpWithError() throws {
    root = NSTemporaryDirectory() + "clus-cgroup-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

  private func write(_ path: String, _ text: String) throws {
    let full = root + "/" + path
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: full, atomically: true, encoding: .utf8)
  }

  /// cgroup v2: limit − (usage − reclaimable inactive page cache), in the group's own folder.
  func testCgroupV2Limit() throws {
    try write("user.slice/job/memory.max", "1000000000\n")
    try write("user.slice/job/memory.current", "300000000\n")
    try write("user.slice/job/memory.stat", "anon 150000000\nfile 150000000\ninactive_file 100000000\nactive_file 50000000\n")
    XCTAssertEqual(Memory.cgroupRoom(root: root, selfCgroup: "0::/user.slice/job\n"), 800_000_000)
    // no limit
    try write("user.slice/job/memory.max", "max\n")
    XCTAssertNil(Memory.cgroupRoom(root: root, selfCgroup: "0::/user.slice/job\n"))
  }

  /// cgroup v1 (as on this project's machines): the memory controller's files; inside a container
  /// the path /proc/self/cgroup shows is the host's, so the mount's root is read.
  func testCgroupV1LimitAndContainerFallback() throws {
    try write("memory/memory.limit_in_bytes", "2000000000\n")
    try write("memory/memory.usage_in_bytes", "600000000\n")
    try write("memory/memory.stat", "cache 200000000\ntotal_inactive_file 100000000\n")
    let membership = "9:name=systemd:/\n4:memory:/process_api/abc\n0::/\n"
    XCTAssertEqual(Memory.cgroupRoom(root: root, selfCgroup: membership), 1_500_000_000)
    // the kernel's "no limit" (2⁶³ − 1 rounded to a page) is no limit
    try write("memory/memory.limit_in_bytes", "9223372036854771712\n")
    XCTAssertNil(Memory.cgroupRoom(root: root, selfCgroup: membership))
    // a group already over its limit has no room (never a negative size)
    try write("memory/memory.limit_in_bytes", "500000000\n")
    XCTAssertEqual(Memory.cgroupRoom(root: root, selfCgroup: membership), 0)
  }

  /// Both hierarchies present: the tighter limit counts; no cgroup files at all: no limit.
  func testTighterOfBothAndNone() throws {
    try write("memory/memory.limit_in_bytes", "4000000000\n")
    try write("memory/memory.usage_in_bytes", "1000000000\n")
    try write("memory.max", "2000000000\n")
    try write("memory.current", "500000000\n")
    XCTAssertEqual(Memory.cgroupRoom(root: root, selfCgroup: "4:memory:/\n0::/\n"), 1_500_000_000)
    XCTAssertNil(Memory.cgroupRoom(root: root + "/none", selfCgroup: "4:memory:/\n0::/\n"))
  }

  /// CLUS_MEMORY_AVAILABLE's sizes: bytes or k/M/G/T (powers of 1000); anything else is no size.
  func testSizeSpellings() {
    XCTAssertEqual(Memory.bytes("123"), 123)
    XCTAssertEqual(Memory.bytes("8G"), 8e9)
    XCTAssertEqual(Memory.bytes("1.5GB"), 1.5e9)
    XCTAssertEqual(Memory.bytes("800M"), 8e8)
    XCTAssertEqual(Memory.bytes("2e5"), 2e5)
    // the unit in either case, up to E (it took k and K, M, G and T only)
    XCTAssertEqual(Memory.bytes("1m"), 1e6)
    XCTAssertEqual(Memory.bytes("1t"), 1e12)
    XCTAssertEqual(Memory.bytes("100P"), 1e17)
    XCTAssertEqual(Memory.bytes("8E"), 8e18)
    XCTAssertEqual(Memory.bytes("2gb"), 2e9)
    for bad in ["abc", "nan", "-5", "G", "", "inf", "0x10", "0X1p4"] { XCTAssertNil(Memory.bytes(bad), bad) }
  }

  /// Amounts are written in the largest decimal unit they reach, up to EB (a 2^63-row estimate
  /// once read "73786976294.8 GB"): 2^66 bytes = 73.786976... × 10^18.
  func testTextUnits() {
    XCTAssertEqual(Memory.text(4_000), "4 kB")
    XCTAssertEqual(Memory.text(1), "1 B")
    XCTAssertEqual(Memory.text(500), "500 B")
    XCTAssertEqual(Memory.text(512e6), "512.0 MB")
    XCTAssertEqual(Memory.text(22.94e9), "22.9 GB")
    XCTAssertEqual(Memory.text(2.4e12), "2.4 TB")
    XCTAssertEqual(Memory.text(999.96e12), "1000.0 TB")
    XCTAssertEqual(Memory.text(3.26e15), "3.3 PB")
    XCTAssertEqual(Memory.text(Double(UInt64(1) << 62) * 16), "73.8 EB")
    XCTAssertEqual(Memory.text(5e21), "5000.0 EB")
    XCTAssertEqual(Memory.texts(needed: 2.46e12, available: 2.0e12).0, "2.5 TB")
    XCTAssertEqual(Memory.texts(needed: 2.46e12, available: 2.0e12).1, "2.0 TB")
  }

  /// An override is capped to the machine's memory and swap (MemTotal + SwapTotal), and said so; one
  /// below them is taken as given.
  func testOverrideIsCappedToTheMachine() throws {
    let ceiling = try XCTUnwrap(Memory.ceiling())
    XCTAssertGreaterThan(ceiling, try XCTUnwrap(Memory.meminfoField("MemTotal")) - 1)
    setenv("CLUS_MEMORY_AVAILABLE", "1E", 1)
    defer { unsetenv("CLUS_MEMORY_AVAILABLE") }
    XCTAssertEqual(Memory.available(), ceiling)
    XCTAssertEqual(Memory.cappedOverride()?.given, "1E")
    XCTAssertEqual(Memory.cappedOverride()?.used, ceiling)
    setenv("CLUS_MEMORY_AVAILABLE", "1000", 1)
    XCTAssertEqual(Memory.available(), 1000)
    XCTAssertNil(Memory.cappedOverride())
  }

  /// The machine's own figure is positive and, with a limit, never above it.
  func testAvailableOnThisMachine() throws {
    let m = try XCTUnwrap(Memory.meminfoAvailable())
    XCTAssertGreaterThan(m, 0)
    let a = try XCTUnwrap(Memory.available())
    XCTAssertLessThanOrEqual(a, m)
  }
}
