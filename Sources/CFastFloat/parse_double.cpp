// The C entry point to fast_float's from_chars (see include/clus_fast_float.h).
#include "clus_fast_float.h"

#include <fast_float/fast_float.h>
#include <system_error>

extern "C" size_t clus_parse_double(const char *first, const char *last, double *value) {
  double v = 0;
  fast_float::from_chars_result r = fast_float::from_chars(first, last, v);
  if (r.ec != std::errc()) return 0;
  *value = v;
  return static_cast<size_t>(r.ptr - first);
}
