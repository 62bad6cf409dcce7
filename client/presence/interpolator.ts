/**
 * Motion for remote carets and pointers. Updates arrive at most every 33-50 ms; drawing each one
 * as it lands makes cursors jump. Every drawn point instead follows its target as a critically
 * damped spring whose stiffness comes from the measured gap between the last two updates, so a
 * stream of updates becomes one continuous glide that settles about when the next update is due,
 * and a single jump from rest approaches its target monotonically, without overshoot.
 *
 * One animation-frame loop serves every point, and it sleeps when nothing moves. Drawing is the
 * caller's: {@link InterpolatorOptions.draw} receives positions, typically to set a transform.
 */

/** A position in editor-content coordinates (CSS pixels). */
export interface Point {
  x: number;
  y: number;
}

/** Where frames come from; injectable so tests can drive time. */
export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
  now(): number;
}

/** Options of {@link createInterpolator}. */
export interface InterpolatorOptions {
  /** Called with each point whose drawn position changed, once per frame. */
  draw(id: string, point: Point): void;
  /** Frame source; defaults to requestAnimationFrame and performance.now. */
  scheduler?: FrameScheduler;
  /** Shortest glide, in ms, however close together updates arrive. */
  minGlideMs?: number;
  /** Longest glide, in ms: after a pause, a jump still moves briskly. */
  maxGlideMs?: number;
}

/** How a new target is approached. */
export interface TargetOptions {
  /**
   * For carets: jump straight to a target on another line (a different y) instead of gliding
   * diagonally through the text.
   */
  snapAcrossLines?: boolean;
}

/** A running interpolator. */
export interface Interpolator {
  /** Sets where point `id` should go. A new point appears at its target at once. */
  setTarget(id: string, target: Point, options?: TargetOptions): void;
  /** Forgets point `id`. */
  remove(id: string): void;
  /** The position point `id` is drawn at, or undefined. */
  position(id: string): Point | undefined;
  /** True while the frame loop runs. */
  readonly running: boolean;
  /** Stops the loop and forgets every point. */
  destroy(): void;
}

/** Default shortest glide: one 60 Hz frame less would not be visible motion. */
export const DEFAULT_MIN_GLIDE_MS = 30;
/** Default longest glide. */
export const DEFAULT_MAX_GLIDE_MS = 160;
/** Spring stiffness per glide: after one glide from rest the point has covered ~96 % of the way. */
const SETTLE = 5;
/** Closer than this (px) and slower than {@link REST_SPEED} (px/ms), a point has arrived. */
const REST_DISTANCE = 0.05;
const REST_SPEED = 0.005;
/** Differences in y up to this many px count as the same line. */
const LINE_TOLERANCE = 1;
/** Frames further apart than this (a background tab) advance time by this much only. */
const MAX_FRAME_STEP_MS = 100;

interface Motion {
  x: number;
  y: number;
  vx: number;
  vy: number;
  target: Point;
  omega: number;
  lastTargetAt: number;
  moving: boolean;
  dirty: boolean;
}

const browserScheduler: FrameScheduler = {
  request: (callback) => requestAnimationFrame(() => callback()),
  cancel: (handle) => cancelAnimationFrame(handle),
  now: () => performance.now(),
};

/** Advances one axis of a critically damped spring by `dt`; returns [offset, velocity]. */
function springStep(offset: number, velocity: number, omega: number, dt: number): [number, number] {
  const c2 = velocity + omega * offset;
  const decay = Math.exp(-omega * dt);
  const nextOffset = (offset + c2 * dt) * decay;
  return [nextOffset, (c2 - omega * (offset + c2 * dt)) * decay];
}

/**
 * Creates an interpolator.
 * @example
 * const motion = createInterpolator({ draw: (id, p) => { els[id].style.transform = `translate(${p.x}px, ${p.y}px)`; } });
 * motion.setTarget('pointer:7', { x: 120, y: 48 });
 */
export function createInterpolator(options: InterpolatorOptions): Interpolator {
  const scheduler = options.scheduler ?? browserScheduler;
  const minGlide = options.minGlideMs ?? DEFAULT_MIN_GLIDE_MS;
  const maxGlide = options.maxGlideMs ?? DEFAULT_MAX_GLIDE_MS;
  const motions = new Map<string, Motion>();
  let frame: number | null = null;
  let lastFrameAt = 0;

  const schedule = (): void => {
    if (frame !== null) return;
    lastFrameAt = scheduler.now();
    frame = scheduler.request(tick);
  };

  function tick(): void {
    frame = null;
    const now = scheduler.now();
    const dt = Math.min(MAX_FRAME_STEP_MS, now - lastFrameAt);
    lastFrameAt = now;
    let active = false;
    for (const [id, motion] of motions) {
      if (motion.moving) {
        advance(motion, dt);
        motion.dirty = true;
      }
      if (motion.dirty) {
        motion.dirty = false;
        options.draw(id, { x: motion.x, y: motion.y });
      }
      active ||= motion.moving;
    }
    if (active) {
      frame = scheduler.request(tick);
    }
  }

  function advance(motion: Motion, dt: number): void {
    const [dx, vx] = springStep(motion.x - motion.target.x, motion.vx, motion.omega, dt);
    const [dy, vy] = springStep(motion.y - motion.target.y, motion.vy, motion.omega, dt);
    if (Math.hypot(dx, dy) < REST_DISTANCE && Math.hypot(vx, vy) < REST_SPEED) {
      motion.x = motion.target.x;
      motion.y = motion.target.y;
      motion.vx = 0;
      motion.vy = 0;
      motion.moving = false;
      return;
    }
    motion.x = motion.target.x + dx;
    motion.y = motion.target.y + dy;
    motion.vx = vx;
    motion.vy = vy;
  }

  return {
    setTarget(id, target, targetOptions = {}) {
      const now = scheduler.now();
      const motion = motions.get(id);
      if (motion === undefined) {
        const point = { x: target.x, y: target.y };
        motions.set(id, { ...point, vx: 0, vy: 0, target: point, omega: 0, lastTargetAt: now, moving: false, dirty: true });
        schedule();
        return;
      }
      if (motion.target.x === target.x && motion.target.y === target.y) return;
      const glide = Math.min(maxGlide, Math.max(minGlide, now - motion.lastTargetAt));
      const jumpsLine = Math.abs(target.y - motion.target.y) > LINE_TOLERANCE;
      motion.target = { x: target.x, y: target.y };
      motion.lastTargetAt = now;
      if (targetOptions.snapAcrossLines === true && jumpsLine) {
        motion.x = target.x;
        motion.y = target.y;
        motion.vx = 0;
        motion.vy = 0;
        motion.moving = false;
        motion.dirty = true;
      } else {
        motion.omega = SETTLE / glide;
        motion.moving = true;
      }
      schedule();
    },
    remove(id) {
      motions.delete(id);
    },
    position(id) {
      const motion = motions.get(id);
      return motion === undefined ? undefined : { x: motion.x, y: motion.y };
    },
    get running() {
      return frame !== null;
    },
    destroy() {
      if (frame !== null) scheduler.cancel(frame);
      frame = null;
      motions.clear();
    },
  };
}
