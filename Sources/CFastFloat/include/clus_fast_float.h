// Decimal text to binary64 with the fast_float library (Debian's libfast-float-dev, header only):
// correctly rounded as glibc's strtod, without strtod's arbitrary-precision path for long digit strings.
#ifndef CLUS_FAST_FLOAT_H
#define CLUS_FAST_FLOAT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Reads a decimal number (`-1.25`, `.5`, `5.`, `6.02e23`; no leading `+`, no hexadecimal) at the start of
/// the bytes `[first, last)` into `*value`, rounded to nearest as `strtod` rounds. Never reads at or past
/// `last`. Returns the number of bytes read, or 0 when the bytes do not start with a number.
size_t clus_parse_double(const char *first, const char *last, double *value);

#ifdef __cplusplus
}
#endif

#endif
