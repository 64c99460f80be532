#!/usr/bin/env bash
# Installs the system libraries clus builds against (Debian/Ubuntu), only when missing.
set -euo pipefail
# (time: make bench's peak memory; gdb: make soak's malloc_trim before it reads RSS; strace: the REPL
# test that delays clus's writes to land Ctrl-C before libedit reads)
pkgs=(pkg-config libedit-dev libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libzip-dev python3-venv time gdb strace)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "error: swift (6.x) is not on PATH; install it from swift.org" >&2; exit 1; }
# Python with numpy for the tests that compare with numpy (Tests/ClusRuntimeTests/Python.swift finds it:
# $CLUS_PYTHON, then this .venv, then python3 on the PATH; without numpy those tests are skipped).
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
if ! "$venv/bin/python3" -c "import numpy" 2>/dev/null; then
  "$venv/bin/python3" -m pip install -q numpy || echo "warning: numpy could not be installed into $venv; the numpy tests will be skipped" >&2
fi
