/** Small statistics over samples: medians and percentiles for noisy timings, a least-squares line for growth. */

export interface Summary {
  readonly median: number;
  readonly p90: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: NaN, p90: NaN, min: NaN, max: NaN, samples: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { median: percentile(sorted, 50), p90: percentile(sorted, 90), min: sorted[0], max: sorted[sorted.length - 1], samples: sorted.length };
}

/** Linear interpolation between closest ranks, on sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 1) return sorted[0];
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export function median(values: readonly number[]): number {
  return summarize(values).median;
}

export interface LinearFit {
  /** Change of y per unit of x. */
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination: 1 is a perfect line. */
  readonly r2: number;
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
    sxx += (xs[i] - meanX) ** 2;
    syy += (ys[i] - meanY) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = meanY - slope * meanX;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** Fisher–Yates, for interleaving measurement kinds in a random order each round. */
export function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
