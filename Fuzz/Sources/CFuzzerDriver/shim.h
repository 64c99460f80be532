// libFuzzer's driver, for an executable whose `main` SwiftPM renames (`<module>_main`): the
// target's `main` calls it with its test function (FuzzSupport's `runFuzzer`).
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
