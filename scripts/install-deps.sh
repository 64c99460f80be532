#!/usr/bin/env bash
# Installs the system libraries clus builds against (Debian/Ubuntu), only when missing.
set -euo pipefail
# (libfast-float-dev: CSV numbers, correctly rounded and fast; libcairo2-dev, fonts-dejavu-core: every picture, drawn by Cairo with DejaVu Sans found through fontconfig; libhdf5-dev: AnnData .h5ad files; libzmq3-dev, libssl-dev: the Jupyter kernel's sockets and message signatures; time: make bench's peak memory; gdb: make soak's malloc_trim before it reads RSS; strace: the REPL
# test that delays clus's writes to land Ctrl-C before libedit reads)
pkgs=(pkg-config libedit-dev libfast-float-dev libhdf5-dev libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libzip-dev libzmq3-dev libssl-dev libcairo2-dev fonts-dejavu-core python3-venv time gdb strace)
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
# The Jupyter kernel's tests (Tests/kernel, `make test-kernel`): a Jupyter client, the protocol
# conformance suite and notebook execution (nbclient also provides `jupyter execute`; pyzmq comes with
# jupyter_client). No jupyterlab or notebook server: the tests drive the kernel directly.
if ! "$venv/bin/python3" -c "import jupyter_client, jupyter_kernel_test, nbclient, nbformat, zmq" 2>/dev/null; then
  "$venv/bin/python3" -m pip install -q jupyter_client jupyter_kernel_test nbclient nbformat \
    || echo "warning: the Jupyter packages could not be installed into $venv; make test-kernel will fail" >&2
fi
# AnnData and scipy.sparse files (the tests that check that anndata.read_h5ad and scipy.sparse.load_npz
# read what clus writes; skipped without them): anndata brings scipy, pandas and h5py.
if ! "$venv/bin/python3" -c "import anndata, scipy.sparse" 2>/dev/null; then
  "$venv/bin/python3" -m pip install -q anndata scipy \
    || echo "warning: anndata could not be installed into $venv; the AnnData round-trip tests will be skipped" >&2
fi
# The Dask integration (integrations/dask, `make test-dask`): dask[distributed] from PyPI, pyarrow for its
# Parquet reader, and the integration itself installed as a user would (pip install ./integrations/dask).
if ! "$venv/bin/python3" -c "import distributed, dask.array, pyarrow, clus_dask" 2>/dev/null; then
  "$venv/bin/python3" -m pip install -q "dask[array,dataframe,distributed]" pyarrow "$(dirname "$venv")/integrations/dask" \
    || echo "warning: Dask could not be installed into $venv; make test-dask will fail" >&2
fi
