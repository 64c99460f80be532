#!/usr/bin/env bash
# make bench-validity: DBCV, relative validity and a parameter sweep on the MNIST walk-through's clusterable
# embedding (70,000 × 2, umap n_neighbors=30 min_dist=0 random_state=42; hdbscan min_samples=10
# min_cluster_size=500), clus against the hdbscan library in the same run (docs/benchmarks.md, "Scores
# without labels"). clus's steps run RUNS times (median); the library's once (its DBCV takes minutes).
# Usage: bench/validity.sh [RUNS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
BIN=${CLUS_BIN:-.build/release/clus}
if [ ! -x .venv-anchors/bin/python ]; then
  python3 -m venv .venv-anchors
  .venv-anchors/bin/pip install -q umap-learn hdbscan scikit-learn
fi
work=${BENCH_DIR:-out/bench-validity}
mkdir -p "$work"
if [ ! -f "$work/e.npy" ]; then
  "$BIN" -e "mnist = load \"data/mnist\"
e = umap mnist.data n_neighbors=30 min_dist=0 random_state=42
save e \"$work/e.npy\"
l = hdbscan e min_samples=10 min_cluster_size=500
save l.labels \"$work/l.npy\"" >/dev/null
fi
cat > "$work/steps.clus" <<CLUS
e = load "$work/e.npy"
l0 = load "$work/l.npy"
l = time hdbscan e min_samples=10 min_cluster_size=500
v = time validity_index e l0
r = time relative_validity l
s = time sweep hdbscan e min_cluster_size=[50, 100, 200, 300, 400, 500, 600, 800, 1000, 2000] min_samples=10
s2 = time sweep hdbscan e min_cluster_size=[50, 100, 250, 500, 1000] min_samples=[5, 10]
print "dbcv" v
print "relative_validity" r
CLUS
names=("HDBSCAN (one fit)" "DBCV (validity_index)" "relative_validity" "sweep, 10 min_cluster_size" "sweep, 5 min_cluster_size x 2 min_samples")
for ((r = 1; r <= RUNS; r++)); do
  "$BIN" --threads 2 "$work/steps.clus" >"$work/clus-$r.txt"
done
.venv-anchors/bin/python bench/validity.py "$work/e.npy" "$work/l.npy" | tee "$work/library.txt"
echo
printf "%-44s %10s %10s %8s\n" "step" "clus s" "hdbscan s" "ratio"
for i in "${!names[@]}"; do
  ours=$(for ((r = 1; r <= RUNS; r++)); do grep "wall time" "$work/clus-$r.txt" | sed -n "$((i + 1))p" | awk '{print $3}'; done | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
  lib=$(grep -F "${names[$i]}|" "$work/library.txt" | cut -d'|' -f2)
  printf "%-44s %10.3f %10.3f %7.1f×\n" "${names[$i]}" "$ours" "$lib" "$(awk -v a="$lib" -v b="$ours" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
grep -h "dbcv\|relative_validity" "$work/clus-1.txt" | sed 's/^/clus: /'
grep -h "value" "$work/library.txt" | sed 's/^/hdbscan: /'
