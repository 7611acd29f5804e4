// libFuzzer's driver, as its runtime exports it (compiler-rt, FuzzerInterface.h): runs the fuzzing loop with
// `callback` as the target and the command line's options.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
