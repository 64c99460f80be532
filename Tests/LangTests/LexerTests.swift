import XCTest
@testable import Lang
final class LexerTests: XCTestCase {
  func testSmoke() throws { _ = try Lexer.tokenize("a = 1") }
}
