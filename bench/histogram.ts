/**
 * A latency histogram with about 1% relative precision and constant memory, so that millions of
 * edit-to-peer deliveries per run cost one array increment each instead of a stored sample.
 */

/** Growth factor from one bucket's upper bound to the next: the relative precision. */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Smallest value told apart, in the unit recorded (1 µs when recording milliseconds). */
const RESOLUTION = 0.001;
/** Buckets up to RESOLUTION * GROWTH^BUCKETS, over an hour in milliseconds. */
const BUCKETS = 2300;

/** Counts of values in buckets of about 1% width, plus the exact count, sum, min and max. */
export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Adds one value (negative values count as zero). */
  record(value: number): void {
    // biome-ignore lint/complexity/useMathMinMax: NaN must count as zero too, and Math.max(NaN, 0) is NaN
    const v = value > 0 ? value : 0;
    this.counts[bucketOf(v)]! += 1;
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /**
   * The value below or at which `p` percent of the recorded values lie, overstated by at most
   * one bucket (about 1%) and never above the largest value recorded; NaN when empty.
   */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.max(this.min, Math.min(this.max, upperBound(i)));
    }
    return this.max;
  }

  /** The arithmetic mean; NaN when empty. */
  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }
}

function bucketOf(value: number): number {
  if (value <= RESOLUTION) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(value / RESOLUTION) / LOG_GROWTH));
}

function upperBound(bucket: number): number {
  return RESOLUTION * GROWTH ** bucket;
}
