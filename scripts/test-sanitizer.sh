#!/usr/bin/env bash
# make test-tsan / make test-asan: the tests under a sanitizer (docs/reliability.md, "Sanitizers").
#
#   scripts/test-sanitizer.sh thread|address [SWIFT TEST OPTIONS]   (e.g. --filter ThreadSweepTests, --skip GoldenTests)
#
# Builds into its own scratch directory (.build-tsan, .build-asan), the debug configuration optimised as
# `make test` builds it (-Xswiftc -O; Swift's bounds and overflow checks stay on), then runs `swift test`
# with the options given (all tests without any). The tests spawn the clus binary
# built beside them, so the golden examples run through a sanitized binary too.
# The sanitizer stops the process at its first report (halt_on_error=1) and the run's output is
# searched for reports as well: any report fails the run. The log is kept in the scratch directory.
# Exit status: 0 no report and every test passed, 1 otherwise, 2 usage.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

case ${1:-} in
  thread) scratch=.build-tsan; pattern='WARNING: ThreadSanitizer|ThreadSanitizer: reported'
          # second_deadlock_stack: both stacks of a lock-order report
          export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}" ;;
  address) scratch=.build-asan; pattern='ERROR: AddressSanitizer|ERROR: LeakSanitizer'
           export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
           # the command table, built once into a global, is not a leak (scripts/lsan.supp says why)
           export LSAN_OPTIONS="suppressions=$(pwd)/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
           # A 64 MB main-thread stack: the parser's nesting test goes 200 levels deep, about 38 KB of stack
           # a level in a debug build (7.7 of the default 8 MB) and more with ASan's redzones, which overflowed.
           ulimit -s 65536 2>/dev/null || ulimit -s unlimited 2>/dev/null || true ;;
  *) echo "usage: $0 thread|address [SWIFT TEST OPTIONS]" >&2; exit 2 ;;
esac
sanitizer=$1
shift
opt=(-Xswiftc -O)
log=$scratch/sanitizer-test.log

start=$(date +%s)
$SWIFT build --build-tests "${opt[@]}" --sanitize="$sanitizer" --scratch-path "$scratch" || { echo "test-sanitizer: build failed" >&2; exit 1; }
built=$(date +%s)
mkdir -p "$scratch"
$SWIFT test --skip-build "${opt[@]}" --sanitize="$sanitizer" --scratch-path "$scratch" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
end=$(date +%s)
echo "test-sanitizer ($sanitizer): build $((built - start)) s, tests $((end - built)) s, log $log"
if grep -Eq "$pattern" "$log"; then
  echo "test-sanitizer ($sanitizer): the sanitizer reported an error (see $log)" >&2
  exit 1
fi
[ "$status" -eq 0 ] || { echo "test-sanitizer ($sanitizer): tests failed (status $status)" >&2; exit 1; }
echo "test-sanitizer ($sanitizer): no report"
