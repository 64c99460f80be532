public struct Parser { public static func parse(_ f: SourceFile) throws -> Program { Program(statements: []) } }
extension Parser {
  public static func isComplete(_ source: String) -> Bool { true }
  public static func completionContext(_ line: String, cursor: Int) -> CompletionContext { .none }
}
public enum CompletionContext { case commandOrVariable(prefix: String); case parameter(command: String, prefix: String); case field(baseExpressionText: String, prefix: String); case path(prefix: String); case none }
extension Parser { public static func parseExpression(_ s: String) throws -> Expr { .none(SourceRange(SourceLocation(line:1,column:1,offset:0),SourceLocation(line:1,column:1,offset:0))) } }
