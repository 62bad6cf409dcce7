/**
 * What updates held for missing dependencies wait for, read from their bytes: per client, the
 * lowest clock that, once the doc's state passes it, may let something held integrate.
 */
import * as Y from 'yjs';

/** Per client, a clock. */
export type ClockMap = Map<number, number>;

/** Sets `map`'s clock of `client` to `clock` if it is lower (or unset). */
export function lower(map: ClockMap, client: number, clock: number): void {
  const known = map.get(client);
  if (known === undefined || clock < known) map.set(client, clock);
}

/** Sets each of `into`'s clocks to the lower of its own and `from`'s. */
export function lowerEach(into: ClockMap, from: ReadonlyMap<number, number>): void {
  for (const [client, clock] of from) lower(into, client, clock);
}

/**
 * Per client, the lowest clock that held `structs` (v2) need and that neither `store` nor the
 * held structs have: a struct's predecessor in its client's clock, its left and right origins
 * and its parent. Nothing held can integrate until the doc's state passes one of these. Yjs's
 * own record of what pending structs miss is coarser (for a missing origin it keeps the client's
 * state at the time), which would retry everything held on every edit of a client that an
 * attacker's structs name.
 */
export function structNeeds(structs: Uint8Array, store: Y.Doc['store']): ClockMap {
  const decoded = Y.decodeUpdateV2(structs).structs.filter((struct) => !(struct instanceof Y.Skip));
  const heldRanges = new Map<number, [number, number][]>();
  for (const struct of decoded) {
    const ranges = heldRanges.get(struct.id.client) ?? [];
    ranges.push([struct.id.clock, struct.id.clock + struct.length]);
    heldRanges.set(struct.id.client, ranges);
  }
  for (const ranges of heldRanges.values()) ranges.sort((a, b) => a[0] - b[0]);
  const needs: ClockMap = new Map();
  const need = (client: number, clock: number): void => {
    if (clock >= Y.getState(store, client) && !isHeld(heldRanges.get(client), clock)) lower(needs, client, clock);
  };
  for (const struct of decoded) {
    const { client, clock } = struct.id;
    if (clock > 0) need(client, clock - 1);
    if (!(struct instanceof Y.Item)) continue;
    if (struct.origin !== null) need(struct.origin.client, struct.origin.clock);
    if (struct.rightOrigin !== null) need(struct.rightOrigin.client, struct.rightOrigin.clock);
    if (struct.parent instanceof Y.ID) need(struct.parent.client, struct.parent.clock);
  }
  return needs;
}

/** Per client, the lowest clock held `deletes` (a v2 update with no structs) delete. */
export function deleteFloor(deletes: Uint8Array): ClockMap {
  const floor: ClockMap = new Map();
  for (const [client, ranges] of Y.decodeUpdateV2(deletes).ds.clients) {
    for (const { clock } of ranges) lower(floor, client, clock);
  }
  return floor;
}

/** True when `clock` falls in one of `ranges` (`[start, end)`, sorted by start, not overlapping). */
function isHeld(ranges: readonly [number, number][] | undefined, clock: number): boolean {
  if (ranges === undefined) return false;
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = ranges[middle] as [number, number];
    if (clock < start) high = middle - 1;
    else if (clock >= end) low = middle + 1;
    else return true;
  }
  return false;
}
