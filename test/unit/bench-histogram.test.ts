import { describe, expect, it } from 'vitest';
import { Histogram } from '../../bench/histogram.js';
import { median } from '../../bench/stats.js';
import { slope } from '../../bench/idle-run.js';

describe('bench latency histogram', () => {
  it('reports percentiles of a known distribution within one percent', () => {
    const histogram = new Histogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    expect(histogram.count).toBe(1000);
    for (const [p, exact] of [
      [50, 500],
      [95, 950],
      [99, 990],
    ] as const) {
      const value = histogram.percentile(p);
      expect(value).toBeGreaterThanOrEqual(exact);
      expect(value).toBeLessThanOrEqual(exact * 1.01);
    }
    expect(histogram.percentile(100)).toBe(1000);
    expect(histogram.mean()).toBeCloseTo(500.5, 6);
  });

  it('never reports a percentile outside the values recorded', () => {
    const histogram = new Histogram();
    histogram.record(0.25);
    expect(histogram.percentile(1)).toBe(0.25);
    expect(histogram.percentile(99)).toBe(0.25);
    histogram.record(40);
    expect(histogram.percentile(50)).toBeGreaterThanOrEqual(0.25);
    expect(histogram.percentile(50)).toBeLessThan(0.26);
    expect(histogram.percentile(100)).toBe(40);
  });

  it('reports sub-microsecond and negative values as the smallest bucket and no value as NaN', () => {
    const histogram = new Histogram();
    expect(histogram.percentile(50)).toBeNaN();
    histogram.record(-3);
    histogram.record(0.0004);
    expect(histogram.min).toBe(0);
    expect(histogram.percentile(100)).toBeCloseTo(0.0004, 9);
  });

  it('puts a slow tail in the p99 and not in the p50', () => {
    const histogram = new Histogram();
    for (let i = 0; i < 985; i++) histogram.record(1);
    for (let i = 0; i < 15; i++) histogram.record(250);
    expect(histogram.percentile(50)).toBeLessThanOrEqual(1.01);
    expect(histogram.percentile(99)).toBeGreaterThanOrEqual(250);
  });
});

describe('bench summary arithmetic', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('fits the least-squares slope of memory over connections', () => {
    expect(
      slope([
        [100, 1000 + 8.5 * 100],
        [500, 1000 + 8.5 * 500],
        [1000, 1000 + 8.5 * 1000],
      ]),
    ).toBeCloseTo(8.5, 9);
    expect(
      slope([
        [100, 5],
        [100, 7],
      ]),
    ).toBeNaN();
  });
});
