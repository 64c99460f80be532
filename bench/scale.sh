#!/usr/bin/env bash
# make bench-scale: UMAP and HDBSCAN at millions of points with the release build (issue 16). For each
# size, a seeded Gaussian mixture (bench/mixture.py, written in chunks) is embedded by UMAP
# (n_neighbors=15, 200 epochs, random_state=42; 50 columns) and clustered by HDBSCAN (2 columns,
# min_samples=10, min_cluster_size=500), each in its own process. Prints the wall time of the step
# (measured inside clus, loading excluded), the peak resident memory of the process and the peak beyond
# the input file (bytes per point), UMAP's phases, and the trustworthiness of the embedding of the first
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
    "$(awk -v k="$peak" -v b="$3" -v n="$2" 'BEGIN {print (k * 1024 - b) / n}')"
}

printf "%-34s %10s %10s %10s %14s\n" "step" "points" "wall s" "peak MiB" "B/point > input"
for n in "${sizes[@]}"; do
  x="$T/mix-$n-50.npy"; p="$T/mix-$n-2.npy"
  [ -f "$x" ] || $PY bench/mixture.py "$x" "$n" 50 20 0
  [ -f "$p" ] || $PY bench/mixture.py "$p" "$n" 2 50 1
  $TIME -o "$T/rss" -f "%M" $BIN -e "x = load \"$x\"; e = time umap x random_state=42; print e.timings
    s = x[0:10000]; print \"trustworthiness@15 of the first 10,000:\" (format (trustworthiness s e[0:10000] n_neighbors=15) \"%.4f\")" \
    > "$T/umap.log" 2>&1
  row "UMAP 50 columns" "$n" "$(stat -c %s "$x")" "$T/umap.log" "$T/rss"
  grep -E "knn|trustworthiness" "$T/umap.log" | sed 's/^/    /'
  $TIME -o "$T/rss" -f "%M" $BIN -e "x = load \"$p\"; l = time hdbscan x min_samples=10 min_cluster_size=500; print \"clusters:\" l.n_clusters" \
    > "$T/hdbscan.log" 2>&1
  row "HDBSCAN 2 columns" "$n" "$(stat -c %s "$p")" "$T/hdbscan.log" "$T/rss"
  grep -E "clusters" "$T/hdbscan.log" | sed 's/^/    /'
done
