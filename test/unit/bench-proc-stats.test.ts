import { describe, expect, it } from 'vitest';
import { cpuSeconds, parseCpuSeconds, parseStatusBytes, rssBytes } from '../../bench/proc-stats.js';

describe('bench /proc readings', () => {
  it('counts utime and stime after a command name that holds spaces and parentheses', () => {
    // Fields 14 (utime) and 15 (stime) are 250 and 50 ticks.
    const stat = '4242 (node (x) y) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 7 0 100 1000000 5000';
    expect(parseCpuSeconds(stat, 100)).toBe(3);
  });

  it('reads VmRSS and VmHWM in bytes and NaN when a field is absent', () => {
    const status = 'Name:\tnode\nVmHWM:\t   81920 kB\nVmRSS:\t   65536 kB\nThreads:\t7\n';
    expect(parseStatusBytes(status, 'VmRSS')).toBe(65536 * 1024);
    expect(parseStatusBytes(status, 'VmHWM')).toBe(81920 * 1024);
    expect(parseStatusBytes('Name:\tkthreadd\n', 'VmRSS')).toBeNaN();
  });

  it('reads the CPU time and RSS of this very process', () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
  });
});
