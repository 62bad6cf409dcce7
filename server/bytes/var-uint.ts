/**
 * lib0's variable-length unsigned integers (7 bits per byte, low bits first), written into a
 * buffer sized beforehand. The hot paths build each frame and key in one `Buffer.allocUnsafe`
 * (a slice of Node's pool) instead of a lib0 encoder: an encoder starts with a 100-byte
 * `Uint8Array` and copies out into another, and every typed array over 64 bytes is a separate
 * allocation outside the JS heap that the garbage collector must sweep.
 */

/** How many bytes lib0's `writeVarUint` writes for `n` (an integer, 0 <= n < 2^53). */
export function varUintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes `n` at `at` as lib0's `writeVarUint` does; returns the offset after it. */
export function putVarUint(target: Uint8Array, at: number, n: number): number {
  while (n > 0x7f) {
    target[at++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  target[at++] = n;
  return at;
}
