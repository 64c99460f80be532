#!/usr/bin/env bash
# make test-cpus: proves on one machine that seeded clus output does not depend on the CPU or thread count.
#
#   scripts/test-cpus.sh [BIN]        (default .build/release/clus)
#
# It imitates other x86-64 CPUs in the two places where the libraries pick code by CPU:
#   - OpenBLAS (DYNAMIC_ARCH): OPENBLAS_CORETYPE=<family> forces a kernel family. Families whose
#     instructions this CPU lacks (from /proc/cpuinfo) are skipped; each forced family is verified with
#     openblas_get_corename() (scripts/cpus/blas_core.c) and, inside every clus run, with OPENBLAS_VERBOSE=2.
#   - glibc's libm: GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4 makes libm use the variants a CPU
#     without FMA/AVX2 uses; scripts/cpus/libm_hash.c checks that this really changes libm's results.
#   - clus's own products: 4 x 4 tiles in AVX where the CPU has it; CLUS_NO_AVX=1 forces the baseline
#     path (run together with the libm tunable: the "baseline" variant, what a CPU without AVX computes).
# When the binary loads no BLAS (ldd), only the native family is run: no kernel family can reach it.
# For every family × libm variant (and --threads 1 and 2 on the native family) it runs the golden examples
# and scripts/cpus/digest.clus, hashes every output and compares each combination with the first.
# TEST_CPUS_JOBS (default 2) combinations run at a time.
# Exit status: 0 all identical, 1 some combination differs or a run failed, 2 setup error.
# TEST_CPUS_FAMILIES="Haswell Sandybridge" limits the families; TEST_CPUS_KEEP=1 keeps the work directory
# (it is also kept when something differs).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

BIN=${1:-.build/release/clus}
case $BIN in /*) ;; *) BIN=$root/$BIN ;; esac
[ -x "$BIN" ] || { echo "test-cpus: no binary $BIN (run swift build -c release)" >&2; exit 2; }
for tool in gcc pkg-config sha256sum; do
  command -v $tool >/dev/null || { echo "test-cpus: $tool is needed" >&2; exit 2; }
done

EXAMPLES="mnist10k predict basics"
NOFMA_TUNABLE="glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4"

work=$(mktemp -d "${TMPDIR:-/tmp}/clus-test-cpus.XXXXXX")
keep=${TEST_CPUS_KEEP:-0}
cleanup() { if [ "$keep" = 1 ]; then echo "test-cpus: outputs kept in $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

# A clean environment for every run: nothing inherited may choose kernels, cache sizes, threads or variants.
clean_env=()
for v in $(env | sed -n 's/^\(OPENBLAS_[A-Za-z0-9_]*\|GOTO_[A-Za-z0-9_]*\|OMP_[A-Za-z0-9_]*\)=.*/\1/p'); do
  clean_env+=(-u "$v")
done
clean_env+=(-u GLIBC_TUNABLES -u CLUS_THREADS -u LD_PRELOAD)

# --- helper programs --------------------------------------------------------------------------------------
gcc -O1 -o "$work/blas_core" scripts/cpus/blas_core.c $(pkg-config --cflags --libs openblas) ||
  { echo "test-cpus: cannot build scripts/cpus/blas_core.c" >&2; exit 2; }
gcc -O2 -fno-builtin -o "$work/libm_hash" scripts/cpus/libm_hash.c -lm ||
  { echo "test-cpus: cannot build scripts/cpus/libm_hash.c" >&2; exit 2; }

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
flags=" $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1) "
echo "test-cpus: $cpu_model, $(nproc) cores; binary $BIN"

# --- OpenBLAS kernel families -----------------------------------------------------------------------------
# The x86-64 names OpenBLAS 0.3.21 (DYNAMIC_ARCH) accepts, with the /proc/cpuinfo flags its kernels for that
# family need. Katmai, Coppermine, Northwood, Banias and Athlon run Prescott's kernels in this build (checked
# below with openblas_get_corename()). Opteron's kernels use 3DNow! (femms), the Bulldozer line's FMA4
# (4-operand vfmaddps): both SIGILL on a CPU without them, so they are decided from the flags.
families=(
  "Katmai:pni" "Coppermine:pni" "Northwood:pni" "Prescott:pni" "Banias:pni" "Athlon:pni"
  "Atom:ssse3 movbe" "Core2:ssse3" "Penryn:sse4_1" "Dunnington:sse4_1" "Nehalem:sse4_2 popcnt"
  "Opteron:sse2 3dnow 3dnowext" "Opteron_SSE3:pni 3dnow 3dnowext" "Barcelona:sse4a" "Nano:ssse3"
  "Sandybridge:avx" "Bobcat:ssse3 sse4a" "Bulldozer:avx fma4 xop" "Piledriver:avx fma fma4 xop"
  "Steamroller:avx fma fma4 xop" "Excavator:avx2 fma fma4 xop" "Haswell:avx2 fma" "Zen:avx2 fma"
  "SkylakeX:avx512f avx512cd avx512bw avx512dq avx512vl"
  "Cooperlake:avx512f avx512cd avx512bw avx512dq avx512vl avx512_bf16"
)
blas_lib=$(ldd "$BIN" | awk '/libopenblas|libblas/ {print $3; exit}')
blas_lib=$(readlink -f "$blas_lib" 2>/dev/null || true)
lib_names=$( [ -n "$blas_lib" ] && strings -n 3 "$blas_lib" 2>/dev/null || true)
if [ -n "$blas_lib" ]; then
  echo "test-cpus: OpenBLAS $blas_lib"
else
  # clus computes its products and eigen-decompositions itself (Gemm, SymmetricEigen): with no BLAS loaded,
  # OPENBLAS_CORETYPE cannot change anything, and the families are not run one by one.
  echo "test-cpus: the binary loads no BLAS or LAPACK (ldd): OpenBLAS kernel families cannot change its results;" \
    "only the native family is run"
  families=()
fi

native=$(env "${clean_env[@]}" "$work/blas_core" | cut -d' ' -f1)
[ -n "$native" ] || { echo "test-cpus: blas_core failed" >&2; exit 2; }
run_fams=("$native")   # the native family first: it is the reference
declare -A seen=(["$native"]=1)
echo "test-cpus: native OpenBLAS family: $native"
only=" ${TEST_CPUS_FAMILIES:-} "
for entry in "${families[@]}"; do
  fam=${entry%%:*}
  need=${entry#*:}
  if [ -n "$lib_names" ] && ! grep -qx "$fam" <<<"$lib_names"; then
    echo "  family $fam: not in this library, skipped"; continue
  fi
  missing=""
  for f in $need; do [[ $flags == *" $f "* ]] || missing+=" $f"; done
  if [ -n "$missing" ]; then echo "  family $fam: skipped, this CPU lacks$missing"; continue; fi
  got=$(env "${clean_env[@]}" OPENBLAS_CORETYPE="$fam" "$work/blas_core")
  rc=$?
  core=${got%% *}
  if [ $rc -ne 0 ] || [ -z "$core" ]; then echo "  family $fam: probe failed (exit $rc), skipped"; continue; fi
  if [ "$core" != "$fam" ]; then echo "  family $fam: runs as $core (same kernels), not run separately"; continue; fi
  echo "  family $fam: verified (openblas_get_corename = $core; gemm/dot hash ${got#* })"
  if [ "$only" != "  " ] && [[ $only != *" $fam "* ]]; then echo "    (not selected by TEST_CPUS_FAMILIES)"; continue; fi
  [ -n "${seen[$fam]:-}" ] && continue
  seen[$fam]=1
  run_fams+=("$fam")
done

# --- libm variants ----------------------------------------------------------------------------------------
libm_default=$(env "${clean_env[@]}" "$work/libm_hash" | awk '$1 == "all" {print $2}')
libm_nofma_out=$(env "${clean_env[@]}" GLIBC_TUNABLES="$NOFMA_TUNABLE" "$work/libm_hash")
libm_nofma=$(awk '$1 == "all" {print $2}' <<<"$libm_nofma_out")
libm_variants=("default")
if [ -n "$libm_default" ] && [ "$libm_default" != "$libm_nofma" ]; then
  changed=$(env "${clean_env[@]}" "$work/libm_hash" | paste -d' ' - <(echo "$libm_nofma_out") |
    awk '$1 != "all" && $2 != $4 {printf " %s", $1}')
  echo "test-cpus: libm: $NOFMA_TUNABLE changes the results of:$changed (hash $libm_default -> $libm_nofma)"
  libm_variants+=("nofma")
else
  echo "test-cpus: libm: $NOFMA_TUNABLE changes no libm result on this CPU (no FMA variants in use); not run"
fi

# --- the runs ---------------------------------------------------------------------------------------------
combos=("$native default 2" "$native default 1")
for v in "${libm_variants[@]:1}"; do combos+=("$native $v 2"); done
# clus's own dispatch: its products run 4 x 4 tiles in AVX where the CPU has it; CLUS_NO_AVX=1 makes it take
# the baseline (SSE2) path every x86-64 CPU has, together with the libm variants of a CPU without FMA/AVX2
if grep -qw avx <<<"$flags"; then combos+=("$native baseline 2"); fi
for fam in "${run_fams[@]:1}"; do for v in "${libm_variants[@]}"; do combos+=("$fam $v 2"); done; done
echo "test-cpus: ${#combos[@]} combinations (threads 1 only on $native with default libm); each runs" \
  "examples/{${EXAMPLES// /,}}.clus and scripts/cpus/digest.clus"

# run_combo FAMILY LIBM THREADS DIR: runs everything into DIR, writes DIR.sha256; prints problems on stdout.
run_combo() {
  local fam=$1 libm=$2 threads=$3 dir=$4 ex rc
  local -a env_run=("${clean_env[@]}" OPENBLAS_CORETYPE="$fam" OPENBLAS_VERBOSE=2)
  [ "$libm" = nofma ] && env_run+=(GLIBC_TUNABLES="$NOFMA_TUNABLE")
  [ "$libm" = baseline ] && env_run+=(GLIBC_TUNABLES="$NOFMA_TUNABLE" CLUS_NO_AVX=1)
  mkdir -p "$dir/out/plots" "$dir/out/digest" "$dir/err"
  for ex in $EXAMPLES; do
    env "${env_run[@]}" "$BIN" --threads "$threads" --plot-dir "$dir/out/plots" "examples/$ex.clus" \
      >"$dir/out/$ex.out" 2>"$dir/err/$ex.err"
    rc=$?
    [ $rc -eq 0 ] || echo "examples/$ex.clus exited $rc"
    [ -z "$blas_lib" ] || grep -qx "Core: $fam" "$dir/err/$ex.err" || echo "examples/$ex.clus did not run on $fam kernels"
  done
  env "${env_run[@]}" "$BIN" --threads "$threads" -e "out = \"$dir/out/digest\"" scripts/cpus/digest.clus \
    >"$dir/out/digest.out" 2>"$dir/err/digest.err"
  rc=$?
  [ $rc -eq 0 ] || echo "digest.clus exited $rc: $(grep -v '^Core:' "$dir/err/digest.err" | head -3 | tr '\n' ' ')"
  [ -z "$blas_lib" ] || grep -qx "Core: $fam" "$dir/err/digest.err" || echo "digest.clus did not run on $fam kernels"
  (cd "$dir/out" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum) >"$dir.sha256"
}

# Combinations run $jobs at a time (TEST_CPUS_JOBS, default 2: UMAP's and HDBSCAN's serial phases leave cores
# idle); results are read in order as they complete.
jobs=${TEST_CPUS_JOBS:-2}
ref=""
pass=0
fail=0
declare -A differs_in=()
golden_bad=()
next=0
report() {  # report COMBO-INDEX
  local fam libm threads name dir secs problems diff n ex
  read -r fam libm threads <<<"${combos[$1]}"
  name="$fam/libm-$libm/threads-$threads"
  dir="$work/${fam}_${libm}_t$threads"
  secs=$(cat "$dir.time")
  problems=$(cat "$dir.problems")
  for ex in $EXAMPLES; do
    cmp -s "$dir/out/$ex.out" "examples/$ex.out" || golden_bad+=("$name: $ex.out")
  done
  n=$(wc -l <"$dir.sha256")
  if [ -z "$ref" ]; then
    ref=$dir.sha256
    refname=$name
    if [ -n "$problems" ]; then
      printf 'FAIL  %-34s %3ss  reference run failed: %s\n' "$name" "$secs" "$(echo $problems)"; fail=$((fail + 1))
    else
      printf 'REF   %-34s %3ss  %d outputs\n' "$name" "$secs" "$n"; pass=$((pass + 1))
    fi
    return
  fi
  diff=$(join -j 2 -a 1 -a 2 -e MISSING -o 0,1.1,2.1 <(sort -k2 "$ref") <(sort -k2 "$dir.sha256") |
    awk '$2 != $3 {print $1}')
  if [ -z "$diff" ] && [ -z "$problems" ]; then
    printf 'PASS  %-34s %3ss  all %d outputs identical\n' "$name" "$secs" "$n"; pass=$((pass + 1))
  else
    for f in $diff; do differs_in[$f]="${differs_in[$f]:-} $name"; done
    printf 'FAIL  %-34s %3ss  %s%s\n' "$name" "$secs" "${problems:+[$(echo $problems)] }" \
      "$( [ -n "$diff" ] && echo "$(wc -w <<<"$diff") of $n differ: $(echo $diff)")"
    fail=$((fail + 1))
  fi
}
report_ready() {  # report, in order, every finished combination not reported yet
  local f l t
  while [ $next -lt ${#combos[@]} ]; do
    read -r f l t <<<"${combos[$next]}"
    [ -e "$work/${f}_${l}_t$t.time" ] || break
    report $next
    next=$((next + 1))
  done
}
t_start=$(date +%s)
running=0
for combo in "${combos[@]}"; do
  if [ $running -ge "$jobs" ]; then wait -n; running=$((running - 1)); report_ready; fi
  read -r fam libm threads <<<"$combo"
  dir="$work/${fam}_${libm}_t$threads"
  (
    t0=$(date +%s.%N)
    run_combo "$fam" "$libm" "$threads" "$dir" >"$dir.problems"
    awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f\n", b - a}' >"$dir.time.tmp"
    mv "$dir.time.tmp" "$dir.time"
  ) &
  running=$((running + 1))
done
wait
report_ready
total=$(( $(date +%s) - t_start ))

runs=${#combos[@]}
if [ ${#golden_bad[@]} -eq 0 ]; then
  echo "goldens: in every run examples/{${EXAMPLES// /,}}.clus print exactly examples/*.out"
else
  echo "goldens (reported only; make test checks them): stdout differs from examples/*.out in"
  for ex in $EXAMPLES; do
    k=$(printf '%s\n' "${golden_bad[@]}" | grep -c ": $ex.out$")
    [ "$k" -gt 0 ] && echo "  $ex.out: $k of $runs runs$(printf '%s\n' "${golden_bad[@]}" | grep -q "^$refname: $ex.out$" && echo ", the reference run among them")"
  done
fi
if [ $fail -gt 0 ]; then
  echo "outputs that differ from $refname (in how many of the other $((runs - 1)) combinations):"
  for f in $(printf '%s\n' "${!differs_in[@]}" | LC_ALL=C sort); do
    printf '  %-45s %2d\n' "$f" "$(wc -w <<<"${differs_in[$f]}")"
  done
  keep=1
fi
echo "test-cpus: $((pass + fail)) combinations, $pass identical to $refname, $fail differ or failed" \
  "(${total}s, $jobs at a time)"
echo "test-cpus: $pass passed, $fail failed"
[ $fail -eq 0 ]
