// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CursorOverlay, IDLE_AFTER_MS } from '../../client/presence/overlay.js';

describe('the cursor overlay', () => {
  let host: HTMLElement;
  let overlay: CursorOverlay;

  beforeEach(() => {
    vi.useFakeTimers();
    host = document.createElement('div');
    document.body.appendChild(host);
    overlay = new CursorOverlay(host);
  });
  afterEach(() => {
    overlay.destroy();
    host.remove();
    vi.useRealTimers();
  });

  const caret = (): HTMLElement | null => host.querySelector('.tandem-caret');

  it("draws a peer's caret with its name and colour, moved only by a transform", () => {
    overlay.show('caret', 7, { name: 'Ada', color: '#e11d48' }, 19);
    overlay.move('caret:7', { x: 12.5, y: 40 });
    expect(caret()?.querySelector('.tandem-cursor-label')?.textContent).toBe('Ada');
    expect(caret()?.style.getPropertyValue('--tandem-color')).toBe('#e11d48');
    expect(caret()?.style.getPropertyValue('--tandem-caret-height')).toBe('19px');
    expect(caret()?.style.transform).toBe('translate(12.5px, 40px)');
  });

  it('fades the labels of a peer that has been idle, and shows them again when it moves', () => {
    overlay.show('caret', 7, { name: 'Ada', color: '#e11d48' });
    overlay.show('pointer', 7, { name: 'Ada', color: '#e11d48' });
    overlay.show('caret', 8, { name: 'Bob', color: '#2563eb' });
    overlay.activity(7);
    vi.advanceTimersByTime(IDLE_AFTER_MS / 2);
    overlay.activity(8);
    vi.advanceTimersByTime(IDLE_AFTER_MS / 2 + 1);
    const idle = (): string[] => [...host.querySelectorAll('.tandem-idle')].map((element) => element.className);
    expect(idle()).toEqual(['tandem-caret tandem-idle', 'tandem-pointer tandem-idle']);
    vi.advanceTimersByTime(IDLE_AFTER_MS / 2);
    expect(idle()).toHaveLength(3);
    overlay.activity(7);
    expect(idle()).toEqual(['tandem-caret tandem-idle']);
  });

  it("removes both of a peer's cursors when the peer is forgotten", () => {
    overlay.show('caret', 7, { name: 'Ada', color: '#e11d48' });
    overlay.show('pointer', 7, { name: 'Ada', color: '#e11d48' });
    overlay.forget(7);
    expect(host.querySelectorAll('.tandem-caret, .tandem-pointer')).toHaveLength(0);
  });
});
