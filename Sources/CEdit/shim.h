#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <editline/readline.h>

/* Swift 6 rejects direct access to C mutable globals; these accessors wrap them. */
static inline const char *clus_rl_line_buffer(void) { return rl_line_buffer; }
static inline int clus_rl_point(void) { return rl_point; }
static inline void clus_set_attempted_completion(rl_completion_func_t *f) {
  rl_attempted_completion_function = f;
}
static inline void clus_set_completion_over(int v) { rl_attempted_completion_over = v; }
static inline void clus_set_completion_append_character(int c) { rl_completion_append_character = c; }
static inline void clus_set_word_break_characters(const char *s) {
  rl_basic_word_break_characters = s;
  rl_completer_word_break_characters = (char *)s;
}
static inline void clus_set_readline_name(const char *s) { rl_readline_name = s; }
static inline void clus_set_catch_signals(int v) { rl_catch_signals = v; }
static inline int clus_history_length(void) { return history_length; }
/* The function libedit's readline() reads keys with (its result becomes one wide character). */
static inline void clus_set_getc_function(int (*f)(FILE *)) { rl_getc_function = f; }
