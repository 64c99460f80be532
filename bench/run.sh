#!/usr/bin/env bash
# Times every step of the MNIST walk-through with the release build: each step runs in its own
# process (inputs from .npy files made beforehand), 3 times; prints the median wall time of the step
# (measured inside clus, loading excluded) and the peak resident memory of the process.
# Usage: bench/run.sh [RUNS]        (make bench)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BIN=.build/release/clus
T=${CLUS_BENCH_DIR:-/tmp/clus-bench}
mkdir -p "$T"
[ -x "$BIN" ] || swift build -c release
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench needs GNU time (apt-get install time)" >&2; exit 1; }

# inputs shared by the steps
if [ ! -f "$T/x.npy" ]; then
  $BIN -e "m = load \"data/mnist\"; save m.data \"$T/x.npy\"; save m.target \"$T/y.npy\"" >/dev/null
  $BIN -e "x = load \"$T/x.npy\"; save (pca x n_components=50) \"$T/p50.npy\"" >/dev/null
  $BIN -e "x = load \"$T/x.npy\"; save (umap x n_neighbors=30 min_dist=0 random_state=42) \"$T/c.npy\"" >/dev/null
fi

steps=(
  "load MNIST (70,000 × 784)|m = time load \"data/mnist\""
  "UMAP, default (random_state=42)|x = load \"$T/x.npy\"; e = time umap x random_state=42"
  "K-Means k=10|x = load \"$T/x.npy\"; k = time kmeans x n_clusters=10 random_state=42"
  "PCA to 50 components|x = load \"$T/x.npy\"; p = time pca x n_components=50"
  "HDBSCAN on PCA-50|p = load \"$T/p50.npy\"; h = time hdbscan p min_samples=10 min_cluster_size=500"
  "UMAP, n_neighbors=30 min_dist=0|x = load \"$T/x.npy\"; c = time umap x n_neighbors=30 min_dist=0 random_state=42"
  "HDBSCAN on the UMAP|c = load \"$T/c.npy\"; l = time hdbscan c min_samples=10 min_cluster_size=500"
  "ARI + AMI|c = load \"$T/c.npy\"; y = load \"$T/y.npy\"; l = hdbscan c min_samples=10 min_cluster_size=500; s = time score y l"
)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "%-36s %12s %14s\n" "step" "median s" "peak RSS MiB"
total=0
for s in "${steps[@]}"; do
  name=${s%%|*}; code=${s#*|}
  times=(); peak=0
  for ((r = 0; r < RUNS; r++)); do
    t=$($TIME -o "$T/rss" -f "%M" $BIN -e "$code" 2>/dev/null | awk '/^wall time:/ {print $3}' | tail -1)
    times+=("$t")
    rss=$(tail -1 "$T/rss")
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  done
  med=$(printf "%s\n" "${times[@]}" | median)
  total=$(awk -v a="$total" -v b="$med" 'BEGIN {print a + b}')
  printf "%-36s %12.3f %14.0f\n" "$name" "$med" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')"
done
printf "%-36s %12.3f\n" "sum of the steps" "$total"

# UMAP's phases (seconds, one run each)
for args in "random_state=42" "n_neighbors=30 min_dist=0 random_state=42"; do
  $BIN -e "x = load \"$T/x.npy\"; e = umap x $args; t = e.timings; print \"UMAP $args: kNN\" (format t.knn \"%.2f\") \"graph\" (format t.graph \"%.2f\") \"init\" (format t.init \"%.2f\") \"layout\" (format t.layout \"%.2f\")"
done

# the whole walk-through, end to end, once
$TIME -o "$T/rss" -f "RSS %M WALL %e" $BIN --plot-dir "$T/plots" examples/mnist.clus >/dev/null 2>&1
out=$(tail -1 "$T/rss")
printf "%-36s %12s %14.0f\n" "examples/mnist.clus end to end" "$(echo "$out" | awk '{print $4}')" "$(echo "$out" | awk '{print $2 / 1024}')"
