#!/usr/bin/env bash
# make bench-csv: load of a CSV, clus (the whole process: `clus` running `d = load "f.csv"`) beside
# pandas.read_csv (in one Python process, after import) on the same two generated files, 300,000 rows
# × 10 float columns: numbers with 3 decimals, and numbers as pandas writes float64 in full (17 digits).
# Prints each run and the medians. Needs .venv with pandas (make deps makes it).
# Usage: bench/csv.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
BIN=${CLUS_BIN:-.build/release/clus}
PY=${CLUS_PYTHON:-.venv/bin/python}
dir=$(mktemp -d /tmp/clus-bench-csv.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$PY" - "$dir" <<'PY'
import sys, numpy as np, pandas as pd
x = np.random.default_rng(0).normal(size=(300_000, 10))
cols = [f"c{i}" for i in range(10)]
pd.DataFrame(np.round(x, 3), columns=cols).to_csv(f"{sys.argv[1]}/decimals3.csv", index=False)
pd.DataFrame(x, columns=cols).to_csv(f"{sys.argv[1]}/digits17.csv", index=False)
PY
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
printf "%-14s %10s %10s %8s\n" "file" "clus s" "pandas s" "ratio"
for f in decimals3 digits17; do
  echo "d = load \"$dir/$f.csv\"" > "$dir/load.clus"
  ours=$(for _ in $(seq "$RUNS"); do /usr/bin/time -f "%e" "$BIN" "$dir/load.clus" 2>&1 >/dev/null | tail -1; done | median)
  theirs=$("$PY" - "$dir/$f.csv" "$RUNS" <<'PY' | median
import sys, time, pandas as pd
for _ in range(int(sys.argv[2])):
    t = time.perf_counter(); pd.read_csv(sys.argv[1]); print(f"{time.perf_counter() - t:.3f}")
PY
)
  printf "%-14s %10.2f %10.2f %7.2f×\n" "$f" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN {print a / b}')"
done
