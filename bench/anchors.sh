#!/usr/bin/env bash
# make bench-anchors: installs umap-learn, hdbscan and scikit-learn into .venv-anchors with pip, runs the
# walk-through steps with them and with clus in the same run, and prints both times and the ratio.
# Usage: bench/anchors.sh [RUNS]   (default 1 for the Python stack, which takes about 7 minutes a run)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-1}
if [ ! -x .venv-anchors/bin/python ]; then
  python3 -m venv .venv-anchors
  .venv-anchors/bin/pip install -q umap-learn hdbscan scikit-learn
fi
bench/run.sh 3 | tee /tmp/clus-bench-clus.txt
.venv-anchors/bin/python bench/anchors.py "$RUNS" | tee /tmp/clus-bench-python.txt
echo
printf "%-36s %10s %10s %8s\n" "step" "clus s" "Python s" "ratio"
while IFS='|' read -r name py; do
  ours=$(grep -F "$name" /tmp/clus-bench-clus.txt | awk '{print $(NF-1)}')
  printf "%-36s %10.3f %10.3f %7.1f×\n" "$name" "$ours" "$py" "$(awk -v a="$py" -v b="$ours" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done < /tmp/clus-bench-python.txt
