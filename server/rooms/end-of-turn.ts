/**
 * The end of the current event-loop turn, shared by every room. Work deferred to it runs in one
 * callback once the turn's I/O has been handled: the storage appends of every room are then made
 * together, so they share one storage batch that starts at once, and a room needs no timer of its
 * own for work that is already due.
 */
import { setImmediate } from 'node:timers';

let due: (() => void)[] = [];

/**
 * Runs `task` at the end of the current turn, with every other task deferred in it, in order.
 * From `node:timers`, so that fake timers in tests, which replace the global, never stall it.
 */
export function atEndOfTurn(task: () => void): void {
  due.push(task);
  if (due.length === 1) setImmediate(runDue);
}

function runDue(): void {
  const tasks = due;
  due = [];
  for (const task of tasks) task();
}
