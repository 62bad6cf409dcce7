import { afterEach, describe, expect, it } from 'vitest';
import { createInterpolator, type FrameScheduler, type Interpolator, type Point } from '../../client/presence/interpolator.js';

/** A frame source driven by the test: time moves only when a frame is run. */
class ManualFrames implements FrameScheduler {
  time = 0;
  private pending = new Map<number, () => void>();
  private next = 1;

  request(callback: () => void): number {
    const handle = this.next++;
    this.pending.set(handle, callback);
    return handle;
  }
  cancel(handle: number): void {
    this.pending.delete(handle);
  }
  now(): number {
    return this.time;
  }
  get waiting(): boolean {
    return this.pending.size > 0;
  }
  /** Advances time by `ms` and runs the frames requested so far. */
  frame(ms = 1000 / 60): void {
    this.time += ms;
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const callback of due) callback();
  }
}

describe('the cursor interpolator', () => {
  let frames: ManualFrames;
  let drawn: Map<string, Point>;
  let motion: Interpolator;

  const setup = (): void => {
    frames = new ManualFrames();
    drawn = new Map();
    motion = createInterpolator({ scheduler: frames, draw: (id, point) => drawn.set(id, point) });
  };
  /** Runs frames until the loop sleeps; returns every drawn position of `id` on the way. */
  const runToRest = (id: string, limit = 1000): Point[] => {
    const path: Point[] = [];
    for (let i = 0; i < limit && frames.waiting; i++) {
      frames.frame();
      const point = drawn.get(id);
      if (point) path.push(point);
    }
    return path;
  };

  afterEach(() => motion.destroy());

  it('draws a new point at its target at once', () => {
    setup();
    motion.setTarget('p', { x: 40, y: 10 });
    frames.frame();
    expect(drawn.get('p')).toEqual({ x: 40, y: 10 });
    expect(frames.waiting).toBe(false);
  });

  it('approaches a jumped-to target monotonically, through many intermediate positions', () => {
    setup();
    motion.setTarget('p', { x: 0, y: 0 });
    runToRest('p');
    frames.time += 2000;
    motion.setTarget('p', { x: 300, y: 120 });
    const path = runToRest('p');
    const distances = path.map((point) => Math.hypot(300 - point.x, 120 - point.y));
    for (let i = 1; i < distances.length; i++) {
      expect(distances[i]).toBeLessThanOrEqual(distances[i - 1] ?? Number.POSITIVE_INFINITY);
    }
    const between = new Set(path.filter((p) => p.x > 0 && p.x < 300).map((p) => `${p.x},${p.y}`));
    expect(between.size).toBeGreaterThanOrEqual(3);
  });

  it('arrives exactly at the target and then stops requesting frames', () => {
    setup();
    motion.setTarget('p', { x: 10, y: 10 });
    runToRest('p');
    motion.setTarget('p', { x: 210.5, y: 75.25 });
    const path = runToRest('p');
    expect(path.at(-1)).toEqual({ x: 210.5, y: 75.25 });
    expect(motion.position('p')).toEqual({ x: 210.5, y: 75.25 });
    expect(frames.waiting).toBe(false);
    expect(motion.running).toBe(false);
  });

  it('settles a jump after a pause within a few hundred milliseconds', () => {
    setup();
    motion.setTarget('p', { x: 0, y: 0 });
    runToRest('p');
    frames.time += 5000;
    motion.setTarget('p', { x: 500, y: 0 });
    const start = frames.time;
    runToRest('p');
    expect(frames.time - start).toBeLessThan(600);
    expect(frames.time - start).toBeGreaterThan(100);
  });

  it('snaps a caret that jumps to another line instead of gliding through the text', () => {
    setup();
    motion.setTarget('caret', { x: 200, y: 20 }, { snapAcrossLines: true });
    runToRest('caret');
    motion.setTarget('caret', { x: 15, y: 44 }, { snapAcrossLines: true });
    frames.frame();
    expect(drawn.get('caret')).toEqual({ x: 15, y: 44 });
    expect(frames.waiting).toBe(false);
  });

  /** Moves a resting point from `from` to `to` and returns the first drawn position on the way. */
  const firstStep = (from: Point, to: Point, snapAcrossLines: boolean): Point | undefined => {
    setup();
    motion.setTarget('p', from, { snapAcrossLines });
    runToRest('p');
    motion.setTarget('p', to, { snapAcrossLines });
    frames.frame();
    return drawn.get('p');
  };

  it('glides a caret that moves along the same line', () => {
    const first = firstStep({ x: 20, y: 20 }, { x: 120, y: 20 }, true);
    expect(first?.x).toBeGreaterThan(20);
    expect(first?.x).toBeLessThan(120);
  });

  it('glides a pointer across lines, since pointers move freely', () => {
    const first = firstStep({ x: 20, y: 20 }, { x: 20, y: 220 }, false);
    expect(first?.y).toBeGreaterThan(20);
    expect(first?.y).toBeLessThan(220);
  });

  it('keeps moving forward without stopping while updates stream in at 20 Hz', () => {
    setup();
    motion.setTarget('p', { x: 0, y: 0 });
    runToRest('p');
    const xs: number[] = [];
    for (let update = 1; update <= 20; update++) {
      motion.setTarget('p', { x: update * 30, y: 0 });
      for (let f = 0; f < 3; f++) {
        frames.frame(50 / 3);
        xs.push(drawn.get('p')?.x ?? Number.NaN);
      }
    }
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1] ?? Number.POSITIVE_INFINITY);
    // The glide follows the measured 50 ms gap, so the drawn point trails by less than two updates.
    expect(600 - (xs.at(-1) ?? 0)).toBeLessThan(60);
  });

  it('forgets a removed point and sleeps', () => {
    setup();
    motion.setTarget('p', { x: 0, y: 0 });
    runToRest('p');
    motion.setTarget('p', { x: 100, y: 0 });
    motion.remove('p');
    drawn.clear();
    runToRest('p');
    expect(drawn.has('p')).toBe(false);
    expect(motion.position('p')).toBeUndefined();
    expect(frames.waiting).toBe(false);
  });
});
