# uwot (Debian's r-cran-uwot) for `make bench-anchors`' side-by-side run (bench/peers.sh): default UMAP
# (n_neighbors = 15, spectral initialisation, exact pow) with every core for the neighbour search and the
# layout (n_threads = n_sgd_threads = cores), on the same float32 .npy files clus reads.
# Prints one line per task: `name|seconds`. Usage: Rscript bench/peers.R DIR CORES
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
cores <- as.integer(args[2])
suppressPackageStartupMessages(library(uwot))

# a little-endian float32 C-order 2-D .npy (the files bench/run.sh and bench/mixture.py write)
read_npy <- function(path) {
  con <- file(path, "rb")
  on.exit(close(con))
  magic <- readBin(con, "raw", 8)
  hlen <- if (as.integer(magic[7]) == 1) readBin(con, "integer", 1, size = 2, signed = FALSE, endian = "little")
          else readBin(con, "integer", 1, size = 4, endian = "little")
  header <- rawToChar(readBin(con, "raw", hlen))
  stopifnot(grepl("'descr': '<f4'", header, fixed = TRUE), grepl("'fortran_order': False", header, fixed = TRUE))
  shape <- as.integer(strsplit(sub(".*'shape': \\(([0-9, ]+)\\).*", "\\1", header), ",\\s*")[[1]])
  v <- readBin(con, "numeric", shape[1] * shape[2], size = 4, endian = "little")
  matrix(v, nrow = shape[1], ncol = shape[2], byrow = TRUE)
}

timed <- function(name, x) {
  t <- system.time(umap(x, n_threads = cores, n_sgd_threads = cores, verbose = FALSE))[["elapsed"]]
  cat(sprintf("%s|%.3f\n", name, t))
}
timed("UMAP default, MNIST 70,000 × 784", read_npy(file.path(dir, "x.npy")))
timed("UMAP default, 200,000 × 50", read_npy(file.path(dir, "mix-200000-50.npy")))
