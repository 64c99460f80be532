#!/usr/bin/env bash
# Runs each fuzz target for SECONDS with its committed seed corpus (Fuzz/Corpus/<target>) and its
# dictionary (Fuzz/Dictionaries/<target>.dict, when it has one). New inputs go to Fuzz/.build/corpus/<target>, crash,
# timeout and leak files to Fuzz/.build/artifacts/ (both git-ignored), so the repository stays clean.
# Exits non-zero at the first target that finds something; its last lines say what and where.
#   usage: Fuzz/run.sh SECONDS [TARGET ...]     (default: every target; build first with `make fuzz`)
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: Fuzz/run.sh SECONDS [TARGET ...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzLanguage FuzzNPY FuzzNPZ FuzzIDX FuzzCSV FuzzAlgorithms FuzzKernel FuzzH5AD)
bin=.build/release
mkdir -p .build/artifacts
# libFuzzer reports crashes itself; the Swift runtime's backtracer would hold the process up
export SWIFT_BACKTRACE=enable=no
# -detect_leaks=0: LeakSanitizer takes the closures of the static command table (held by Swift
# with tag bits in the pointer) for leaks, so every leak report is mostly noise. ASan's heap checks
# (overflow, use after free, double free) stay on.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
for t in "${targets[@]}"; do
  case $t in
    FuzzLanguage) max_len=4096 ;;
    FuzzAlgorithms) max_len=1024 ;;
    FuzzH5AD) max_len=65536 ;;  # anndata's smallest files are about 17 KB
    *) max_len=16384 ;;
  esac
  mkdir -p ".build/corpus/$t"
  log=".build/artifacts/$t.log"
  dict=()
  [ -f "Dictionaries/$t.dict" ] && dict=(-dict="Dictionaries/$t.dict")
  echo "== $t: ${seconds} s"
  # libhdf5's own memcpy misuse on damaged files is the library's (hdf5.supp says which)
  asan="$ASAN_OPTIONS"
  limits=()
  if [ "$t" = FuzzH5AD ]; then
    # allocator_may_return_null: libhdf5 asks malloc for sizes read from a damaged file (2^61 bytes) and
    # turns the NULL that glibc gives into an error; ASan would abort there instead
    asan="$ASAN_OPTIONS:suppressions=hdf5.supp:allocator_may_return_null=1"
    # a fixed seed and a bounded number of inputs keep a short run (make check) short: this target runs
    # 6-100 inputs a second (the inputs still differ a little from run to run: coverage feedback does); a
    # long run (FUZZ_H5AD_RUNS=-1) explores freely (docs/reliability.md, "FuzzH5AD")
    limits=(-seed=1 -runs="${FUZZ_H5AD_RUNS:-$((seconds * 4))}")
  fi
  if ! ASAN_OPTIONS="$asan" "$bin/$t" ".build/corpus/$t" "Corpus/$t" "${dict[@]}" "${limits[@]}" -max_total_time="$seconds" \
      -max_len=$max_len -timeout=25 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 \
      -artifact_prefix=".build/artifacts/$t-" >"$log" 2>&1; then
    grep -v "^#" "$log" | tail -40
    echo "$t found a problem: see Fuzz/$log and the input in Fuzz/.build/artifacts/" >&2
    exit 1
  fi
  grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | tail -3
done
