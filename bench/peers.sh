#!/usr/bin/env bash
# The peers side by side in one run (make bench-anchors, issue 16): UMAP with clus (random_state=42: seeded,
# the same bits for any thread count), umap-learn in its fastest configuration (no random_state, all cores,
# numba compiled beforehand) and uwot (R, n_threads = n_sgd_threads = cores) on MNIST 70,000 × 784 and a
# 200,000 × 50 Gaussian mixture; HDBSCAN (min_samples=10, min_cluster_size=100) with clus and fast_hdbscan
# (compiled beforehand) on 1,000,000 × 2 and × 5 mixtures. clus: the whole process (start, load, the step),
# median of RUNS; the peers: one run inside an already started interpreter. Then the quality bar:
# trustworthiness@15 (scikit-learn's) of clus's and umap-learn's embeddings of MNIST's first 10,000 digits.
# Needs .venv-anchors (bench/anchors.sh makes it) and Rscript with uwot (installed here with apt-get).
# Usage: bench/peers.sh [RUNS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BIN=.build/release/clus
T=${CLUS_BENCH_DIR:-/tmp/clus-bench}
CORES=$(nproc)
mkdir -p "$T"
TIME=/usr/bin/time
if ! Rscript -e 'library(uwot)' >/dev/null 2>&1; then
  apt-get install -y r-cran-uwot >/dev/null || { echo "bench-anchors needs R's uwot: apt-get install r-cran-uwot" >&2; exit 1; }
fi
.venv-anchors/bin/python -c 'import fast_hdbscan' 2>/dev/null || .venv-anchors/bin/pip install -q fast_hdbscan

# inputs: written once, under a temporary name so that an interrupted run leaves nothing half-written
[ -f "$T/x.npy" ] || $BIN -e "m = load \"data/mnist\"; save m.data \"$T/x.npy\"; save m.target \"$T/y.npy\"" >/dev/null
mix() { [ -f "$T/mix-$1-$2.npy" ] || { .venv-anchors/bin/python bench/mixture.py "$T/part.npy" "$1" "$2" "$3" "$4" && mv "$T/part.npy" "$T/mix-$1-$2.npy"; }; }
mix 200000 50 20 0
mix 1000000 2 50 1
mix 1000000 5 50 2

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
clus_time() {  # code → median whole-process wall seconds
  local ts=()
  for ((r = 0; r < RUNS; r++)); do
    $TIME -o "$T/wall" -f "%e" $BIN -e "$1" >/dev/null 2>&1
    ts+=("$(tail -1 "$T/wall")")
  done
  printf "%s\n" "${ts[@]}" | median
}

declare -A CLUS
CLUS["UMAP default, MNIST 70,000 × 784"]=$(clus_time "x = load \"$T/x.npy\"; e = umap x random_state=42")
CLUS["UMAP default, 200,000 × 50"]=$(clus_time "x = load \"$T/mix-200000-50.npy\"; e = umap x random_state=42")
CLUS["HDBSCAN 1,000,000 × 2"]=$(clus_time "x = load \"$T/mix-1000000-2.npy\"; l = hdbscan x min_samples=10 min_cluster_size=100")
CLUS["HDBSCAN 1,000,000 × 5"]=$(clus_time "x = load \"$T/mix-1000000-5.npy\"; l = hdbscan x min_samples=10 min_cluster_size=100")

.venv-anchors/bin/python bench/peers.py "$T" > "$T/peers-python.txt"
Rscript bench/peers.R "$T" "$CORES" > "$T/peers-r.txt"

peer() { grep -F "$1|" "$2" | cut -d'|' -f2 || true; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b <= 0) print "-"; else printf "%.1f×", a / b }'; }
echo
printf "%-34s %9s %12s %8s %9s %8s\n" "task ($CORES cores)" "clus s" "Python s" "ratio" "uwot s" "ratio"
for name in "UMAP default, MNIST 70,000 × 784" "UMAP default, 200,000 × 50" "HDBSCAN 1,000,000 × 2" "HDBSCAN 1,000,000 × 5"; do
  ours=${CLUS[$name]}; py=$(peer "$name" "$T/peers-python.txt"); r=$(peer "$name" "$T/peers-r.txt")
  printf "%-34s %9.2f %12s %8s %9s %8s\n" "$name" "$ours" "${py:--}" "$(ratio "$py" "$ours")" "${r:--}" "$(ratio "$r" "$ours")"
done
echo "(Python: umap-learn for UMAP, fast_hdbscan for HDBSCAN; ratio = peer ÷ clus)"

# the quality bar on MNIST 10k
$BIN -e "x = load \"$T/x.npy\"; save (umap x[0:10000] random_state=42) \"$T/e10k.npy\"" >/dev/null
.venv-anchors/bin/python bench/peers.py "$T" --quality "$T/e10k.npy" | tr '|' ' '
