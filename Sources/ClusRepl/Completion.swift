#if canImport(Glibc)
import Glibc
#endif
import CEdit
import ClusLang
import ClusRuntime

/// Tab completion for the REPL, driven by the command table and the session's variables.
enum Completion {
  nonisolated(unsafe) static var session: Session?
  nonisolated(unsafe) static var matches: [String] = []
  /// Whether the last completion was of a file path (no space is appended inside a string).
  nonisolated(unsafe) static var completingPath = false
  nonisolated(unsafe) static var wordBreaks: UnsafeMutablePointer<CChar> = strdup(Completions.wordBreaks)

  static func install() {
    clus_set_word_break_characters(wordBreaks)
    clus_set_attempted_completion { text, start, end in
      let word = text.map { String(cString: $0) } ?? ""
      let line = String(cString: clus_rl_line_buffer())
      Completion.matches = Completion.candidates(line: line, cursor: Int(end), word: word)
      clus_set_completion_over(1)
      if Completion.matches.isEmpty { return nil }
      if Completion.matches.count == 1, !Completion.matches[0].hasSuffix("/"), !Completion.completingPath {
        clus_set_completion_append_character(Completion.matches[0].hasSuffix("=") ? 0 : 32)
      } else {
        clus_set_completion_append_character(0)
      }
      return rl_completion_matches(text) { _, state in
        let i = Int(state)
        guard i < Completion.matches.count else { return nil }
        return strdup(Completion.matches[i])
      }
    }
  }

  /// Completions of `word` in `line` (`Completions.candidates`), noting whether they are paths.
  static func candidates(line: String, cursor: Int, word: String) -> [String] {
    guard let s = session else { return [] }
    let (found, isPath) = Completions.candidates(in: s, line: line, cursor: cursor, word: word)
    completingPath = isPath
    return found
  }
}
