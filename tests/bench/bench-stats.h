// SPDX-License-Identifier: GPL-3.0-or-later
/* For the bench programs (bench-tool.c, channel-floor.c): the clock, and
 * percentiles by nearest rank over values sorted once. */
#pragma once

#include <stdlib.h>
#include <time.h>

/* Monotonic seconds. */
static inline double
bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int
bench_compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static inline void
bench_sort (double *values, size_t n)
{
  qsort (values, n, sizeof *values, bench_compare_double);
}

/* The value at percent @p of @sorted (0: the least), or -1 when empty. */
static inline double
bench_percentile (const double *sorted, size_t n, double p)
{
  size_t rank;

  if (n == 0)
    return -1;
  rank = (size_t) (p / 100.0 * n + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return sorted[rank - 1];
}
