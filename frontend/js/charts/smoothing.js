// Exponential moving average with bias correction (as TensorBoard's smoothing slider).
//
// Without correction the first values would be pulled towards 0; dividing by (1 - w^n) fixes that.

/** Incremental EMA: push(value) returns the smoothed value; weight in [0, 1) (0 = raw). */
export class Ema {
  constructor(weight) {
    this.weight = weight;
    this.accumulated = 0;
    this.count = 0;
  }

  push(value) {
    if (!Number.isFinite(value)) return value;
    this.count += 1;
    this.accumulated = this.accumulated * this.weight + (1 - this.weight) * value;
    const debias = 1 - this.weight ** this.count;
    return debias > 0 ? this.accumulated / debias : value;
  }
}

/** Smooth a whole series at once. */
export function emaSmooth(values, weight) {
  const ema = new Ema(weight);
  return values.map((v) => ema.push(v));
}
