/**
 * The smallest single replacement that turns one string into another, placed where the writer's
 * caret says the edit happened when the text alone is ambiguous (typing `a` into `aa`).
 */

/** Replace `deleteCount` characters at `index` by `insert`. */
export interface TextChange {
  index: number;
  deleteCount: number;
  insert: string;
}

function commonPrefix(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n += 1;
  return n;
}

function commonSuffix(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n += 1;
  return n;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * The change between a common prefix and suffix, widened so it never splits a surrogate pair
 * (Yjs would store half a character as U+FFFD, and the texts would differ).
 */
function change(before: string, after: string, prefixLength: number, suffixLength: number): TextChange {
  let prefix = prefixLength;
  let suffix = suffixLength;
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix -= 1;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix -= 1;
  return { index: prefix, deleteCount: before.length - prefix - suffix, insert: after.slice(prefix, after.length - suffix) };
}

/**
 * The change from `before` to `after`, or null when they are equal. `caret` (an index in
 * `after`) picks, among equally small changes, the one that ends at the caret.
 */
export function diffText(before: string, after: string, caret?: number): TextChange | null {
  if (before === after) return null;
  const shortest = Math.min(before.length, after.length);
  const prefix = commonPrefix(before, after, shortest);
  const leftmost = change(before, after, prefix, commonSuffix(before, after, shortest - prefix));
  if (caret === undefined || caret < 0 || caret > after.length) return leftmost;
  const suffix = commonSuffix(before, after, Math.min(after.length - caret, shortest));
  const atCaret = change(before, after, commonPrefix(before, after, shortest - suffix), suffix);
  return atCaret.deleteCount === leftmost.deleteCount && atCaret.insert.length === leftmost.insert.length ? atCaret : leftmost;
}
