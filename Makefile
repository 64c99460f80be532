# clus — common tasks. CI (.ci/run) and the README's test command run `make check`: the unit and golden
# tests, the example package, then test-cpus, soak, test-tsan, test-asan and a short fuzz-run.
SWIFT ?= swift
RELEASE_BIN := .build/release/clus

.PHONY: bench-validity all deps build release check test example-package test-slow test-cpus soak test-kernel test-dask bench-dask test-tsan test-asan test-asan-full fuzz fuzz-run mnist bench bench-anchors bench-scale bench-csv docs notebooks clean

all: release

deps:
	bash scripts/install-deps.sh

# The tests' build: the debug configuration (testable imports, assertions), optimised, with Swift's bounds
# and overflow checks on as in every configuration. Unoptimised, the numeric tests take minutes longer.
TEST_FLAGS ?= -Xswiftc -O

build:
	$(SWIFT) build $(TEST_FLAGS)

release:
	$(SWIFT) build -c release

# What CI runs (.ci/run) and the README's test command, in this order. Every unit test runs under a
# sanitizer: test-asan runs them all but the thread sweeps (test-tsan's) and the golden examples, which it then
# runs against the release binary, so CI builds no plain debug configuration (`make test` is the developer's
# quick run). The fuzz targets' build (a release build, most of it one whole-module compile on one core) runs
# beside test-tsan. On 2 cores this keeps CI under 30 minutes (docs/reliability.md, "CI time").
check: deps example-package test-cpus soak test-kernel test-dask
	$(MAKE) -j2 test-tsan fuzz
	$(MAKE) test-asan fuzz-run

# Unit tests, golden examples (fast ones) and the REPL test, on a debug build.
test: deps
	$(SWIFT) build $(TEST_FLAGS)
	$(SWIFT) test $(TEST_FLAGS)

# examples/swift-package: another Swift package that depends on this one by path and uses ClusAlgorithms
# (K-Means and HDBSCAN on three generated blobs); builds only the numeric library, in debug mode.
example-package:
	$(SWIFT) build --package-path examples/swift-package
	examples/swift-package/.build/debug/ClusterBlobs

# Examples marked `# slow` (minutes), against a release build; then the whole suite under AddressSanitizer.
test-slow: deps release
	CLUS_SLOW=1 CLUS_BIN=$(RELEASE_BIN) $(SWIFT) test $(TEST_FLAGS) --filter GoldenTests
	$(MAKE) test-asan-full

# Seeded output must be bit-identical on every x86-64 CPU and thread count: imitates other CPUs with
# OpenBLAS's kernel families and glibc's libm variants (docs/reliability.md).
test-cpus: deps release
	bash scripts/test-cpus.sh $(RELEASE_BIN)

# A long REPL session in a pseudo-terminal (1,000 cells: loads, UMAP, HDBSCAN, K-Means, PCA, scores,
# errors, Ctrl-C in the middle of steps): variables kept, RSS bounded, no thread or fd left behind
# (docs/reliability.md, "Long sessions"). SOAK_CELLS=300 for a shorter run.
SOAK_CELLS ?= 1000
soak: deps release
	python3 scripts/soak.py --bin $(RELEASE_BIN) --cells $(SOAK_CELLS)

# The Jupyter kernel (`clus kernel`) driven by jupyter_client, jupyter_kernel_test and nbclient from .venv
# (scripts/install-deps.sh installs them): protocol conformance, interrupts, shutdown, bad messages,
# notebooks run end to end and `clus --notebook` (Tests/kernel; unittest, from the repository root).
test-kernel: deps release
	CLUS_BIN=$(RELEASE_BIN) .venv/bin/python -m unittest discover -s Tests/kernel -v

# The Dask integration (integrations/dask) on a LocalCluster of 2 worker processes: parts byte-identical to
# one clus process, a killed worker, bad parts named with clus's message (Tests/dask; docs/scaling.md).
test-dask: deps release
	CLUS_BIN=$(RELEASE_BIN) .venv/bin/python -m unittest discover -s Tests/dask -v

# Sanitizers (docs/reliability.md, "Sanitizers"): each builds into its own .build-tsan / .build-asan,
# optimised as `make test` (bounds checks on), and fails on any report.
# ThreadSanitizer: every parallel algorithm at 2, 3 and 8 threads against 1 thread (ThreadSweepTests;
# CLUS_TEST_THREADS=2,5 picks other counts) and the lock and chunking tests.
# (CLUS_MANIFEST=algorithms: Package.swift keeps only the numeric library and its tests, all these tests need.)
test-tsan: deps
	CLUS_MANIFEST=algorithms bash scripts/test-sanitizer.sh thread --filter 'ThreadSweepTests|CoreTests'

# AddressSanitizer (with LeakSanitizer; scripts/lsan.supp): every test but the golden examples and the
# thread sweeps (which test-tsan runs; the algorithms they sweep run here in their own tests), the
# command-line and REPL tests through an ASan-built clus; then the golden examples (the fast ones) against
# the release binary users run (CI).
test-asan: deps release
	bash scripts/test-sanitizer.sh address --skip 'GoldenTests|ThreadSweepTests'
	CLUS_BIN=$(RELEASE_BIN) bash scripts/test-sanitizer.sh address --filter GoldenTests

# The whole suite under AddressSanitizer, the golden examples too (5–6 more minutes; part of test-slow).
test-asan-full: deps
	bash scripts/test-sanitizer.sh address

# libFuzzer targets (Fuzz/Package.swift: FuzzLanguage, FuzzNPY, FuzzNPZ, FuzzIDX, FuzzCSV, FuzzAlgorithms),
# built with ASan in release mode into Fuzz/.build (docs/reliability.md, "Fuzzing").
FUZZ_SECONDS ?= 8
FUZZ_TARGETS ?= FuzzLanguage FuzzNPY FuzzNPZ FuzzIDX FuzzCSV FuzzAlgorithms FuzzKernel FuzzH5AD
fuzz:
	$(SWIFT) build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library

# Each target for FUZZ_SECONDS with its seed corpus and dictionary; finds go to Fuzz/.build/artifacts.
fuzz-run: fuzz
	bash Fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The MNIST walk-through (the project's main job).
mnist: deps release
	$(RELEASE_BIN) examples/mnist.clus

docs: build
	.build/debug/clus --commands-markdown > docs/commands.md

# examples/mnist.ipynb: the walk-through as a notebook with its outputs (regenerate with examples/mnist.out;
# make test-kernel checks that its text is that golden output)
notebooks: deps release
	$(RELEASE_BIN) --notebook examples/mnist.ipynb examples/mnist.clus

clean:
	rm -rf .build .build-tsan .build-asan out Fuzz/.build examples/swift-package/.build

# Every step of the walk-through: median of 3 runs and peak memory (release build).
bench: deps release
	bench/run.sh 3

# Loading a 300,000 × 10 CSV (3 decimals; 17 digits), clus beside pandas.read_csv: medians of 5 runs
# (docs/benchmarks.md, "CSV").
bench-csv: deps release
	bench/csv.sh 5

# UMAP (50 columns) and HDBSCAN (2 columns) on 1,000,000 and 10,000,000 generated points: wall time,
# peak memory and bytes per point beyond the input, trustworthiness (docs/benchmarks.md, "Ten million
# points"). About 40 minutes on 2 cores; SCALE_SIZES="1000000" for the short run.
bench-scale: deps release
	bench/scale.sh

# examples/dask/run.py at its full size: 2,000,000 × 50 points, fit on 100,000, transform + predict on 1 and
# 2 worker processes, a worker killed (docs/benchmarks.md, "Dask"; POINTS=, SAMPLE= change the size).
POINTS ?= 2000000
SAMPLE ?= 100000
bench-dask: deps release
	CLUS_BIN=$(RELEASE_BIN) .venv/bin/python examples/dask/run.py --points $(POINTS) --sample $(SAMPLE) --workers 2 --kill-one

# DBCV, relative validity and parameter sweeps on the MNIST embedding, clus and the hdbscan library side by
# side (docs/benchmarks.md, "Scores without labels"; the library's DBCV alone takes about two minutes).
bench-validity: deps release
	bench/validity.sh 3

# The same steps with umap-learn, hdbscan and scikit-learn (installed into .venv-anchors), side by side; then
# bench/peers.sh: UMAP against umap-learn (fastest configuration) and uwot, HDBSCAN against fast_hdbscan.
bench-anchors: deps release
	bench/anchors.sh 1
	bench/peers.sh 3
