#!/usr/bin/env bash
# make bench-scale: UMAP and HDBSCAN at millions of points with the release build (issue 16). For each
# size, a seeded Gaussian mixture (bench/mixture.py, written in chunks) is embedded by UMAP
# (n_neighbors=15, 200 epochs, random_state=42; 50 columns) and clustered by HDBSCAN (2 columns,
# min_samples=10, min_cluster_size=500), each in its own process. Prints the wall time of the step
# (measured inside clus, loading excluded), the peak resident memory of the process and the peak beyond
# the input file and clus's own resident size at start (bytes per point), UMAP's phases, and the trustworthiness of the embedding of the first
# 10,000 points (@15).
# Usage: bench/scale.sh [SIZES...]      default: 1000000 10000000 (SCALE_SIZES overrides)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release/clus
T=${CLUS_BENCH_DIR:-/tmp/clus-bench}
mkdir -p "$T"
[ -x "$BIN" ] || swift build -c release
PY=python3
[ -x .venv/bin/python ] && PY=.venv/bin/python
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "bench needs GNU time (apt-get install time)" >&2; exit 1; }
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || read -r -a sizes <<< "${SCALE_SIZES:-1000000 10000000}"

row() {  # name, n, input bytes, log file, rss file
  local wall peak
  wall=$(awk '/^wall time:/ {print $3}' "$4" | head -1)
  peak=$(tail -1 "$5")
  printf "%-34s %10s %10.1f %10.0f %14.0f\n" "$1" "$2" "$wall" "$(awk -v k="$peak" 'BEGIN {print k / 1024}')" \
    "$(awk -v k="$peak" -v z="$BASE" -v b="$3" -v n="$2" 'BEGIN {print ((k - z) * 1024 - b) / n}')"
}

# clus's own resident size before any data (the binary, its libraries): subtracted with the input
$TIME -o "$T/rss" -f "%M" $BIN -e "1" > /dev/null 2>&1
BASE=$(tail -1 "$T/rss")

printf "%-34s %10s %10s %10s %14s\n" "step" "points" "wall s" "peak MiB" "B/point > input"
for n in "${sizes[@]}"; do
  x="$T/mix-$n-50.npy"; p="$T/mix-$n-2.npy"
  # written under a temporary name: an interrupted run leaves no half-written file to reuse
  [ -f "$x" ] || { $PY bench/mixture.py "$x.part.npy" "$n" 50 20 0 && mv "$x.part.npy" "$x"; }
  [ -f "$p" ] || { $PY bench/mixture.py "$p.part.npy" "$n" 2 50 1 && mv "$p.part.npy" "$p"; }
  $TIME -o "$T/rss" -f "%M" $BIN -e "x = load \"$x\"; e = time umap x random_state=42; t = e.timings
    print \"phases (s): knn\" (format t.knn \"%.1f\") \"graph\" (format t.graph \"%.1f\") \"init\" (format t.init \"%.1f\") \"layout\" (format t.layout \"%.1f\")
    s = x[0:10000]; print \"trustworthiness@15 of the first 10,000:\" (format (trustworthiness s e[0:10000] n_neighbors=15) \"%.4f\")" \
    > "$T/umap.log" 2>&1
  row "UMAP 50 columns" "$n" "$(stat -c %s "$x")" "$T/umap.log" "$T/rss"
  grep -E "phases|trustworthiness" "$T/umap.log" | sed 's/^/    /'
  $TIME -o "$T/rss" -f "%M" $BIN -e "x = load \"$p\"; l = time hdbscan x min_samples=10 min_cluster_size=500; print \"clusters:\" l.n_clusters" \
    > "$T/hdbscan.log" 2>&1
  row "HDBSCAN 2 columns" "$n" "$(stat -c %s "$p")" "$T/hdbscan.log" "$T/rss"
  grep -E "clusters" "$T/hdbscan.log" | sed 's/^/    /'
done
