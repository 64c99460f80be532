# clus — common tasks. CI runs the README's test command: `make test`, `make test-cpus`, then `make fuzz-run`.
SWIFT ?= swift
RELEASE_BIN := .build/release/clus

.PHONY: all deps build release test test-slow test-cpus fuzz fuzz-run mnist bench bench-anchors docs clean

all: release

deps:
	bash scripts/install-deps.sh

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

# Unit tests, golden examples (fast ones) and the REPL test, on a debug build.
test: deps
	$(SWIFT) build
	$(SWIFT) test

# Examples marked `# slow` (minutes), against a release build.
test-slow: deps release
	CLUS_SLOW=1 CLUS_BIN=$(RELEASE_BIN) $(SWIFT) test --filter GoldenTests

# Seeded output must be bit-identical on every x86-64 CPU and thread count: imitates other CPUs with
# OpenBLAS's kernel families and glibc's libm variants (docs/reliability.md).
test-cpus: deps release
	bash scripts/test-cpus.sh $(RELEASE_BIN)

# libFuzzer targets (Fuzz/Package.swift: FuzzLanguage, FuzzNPY, FuzzIDX, FuzzCSV, FuzzAlgorithms),
# built with ASan in release mode into Fuzz/.build (docs/reliability.md, "Fuzzing").
FUZZ_SECONDS ?= 12
FUZZ_TARGETS ?= FuzzLanguage FuzzNPY FuzzIDX FuzzCSV FuzzAlgorithms
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

clean:
	rm -rf .build out Fuzz/.build

# Every step of the walk-through: median of 3 runs and peak memory (release build).
bench: deps release
	bench/run.sh 3

# The same steps with umap-learn, hdbscan and scikit-learn (installed into .venv-anchors), side by side.
bench-anchors: deps release
	bench/anchors.sh 1
