// A hint to the processor to bring one cache line into its caches ahead of a read (no effect on any
// value: the layout's random reads of embedding rows, ClusAlgorithms/UMAP/Layout.swift).
#ifndef CLUS_PREFETCH_H
#define CLUS_PREFETCH_H

/// Prefetches the cache line holding `p` for reading, into every cache level.
static inline void clus_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Prefetches the cache line holding `p` for writing (the layout's deferred moves of tails).
static inline void clus_prefetch_write(const void *p) { __builtin_prefetch(p, 1, 3); }

#endif
