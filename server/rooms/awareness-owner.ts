/**
 * A room's presence, owned by connections.
 *
 * States are kept as the raw JSON strings y-protocols puts on the wire: the server relays them
 * and never needs their fields, so a state is parsed once, when it changes (to keep a malformed
 * one from crashing every peer's JSON.parse), and never re-stringified.
 *
 * Ownership: a connection owns the client ids it introduced. Stock y-websocket clients echo every
 * state they learn back to the server, so an entry for an id owned by another connection is not
 * an attack: it is dropped silently. When a connection closes its states are removed at once and
 * the removal is broadcast; a tombstone keeps the last clock and who owned the id (its claim: the
 * token's user, or in open mode the client's address), so a late echo of a removed state cannot
 * bring back a ghost cursor and nobody else can take the id over while peers still remember it.
 * The owner coming back (a new connection with the same claim, say a reconnecting stock client)
 * gets its id back at once: peers ignore a state at or below the clock of the removal they saw,
 * so its states are relayed with their clocks moved above the tombstone's from then on.
 *
 * Every state must be a JSON object (what y-protocols clients and the caret extensions read);
 * anything else closes the connection with 4400.
 *
 * Renewals (same state, higher clock; y-protocols sends one every 15 s) are remembered and folded
 * into the next broadcast instead of being relayed one by one.
 *
 * With auth on, each state a connection introduces or changes passes through its
 * {@link StateRewrite} (the token's identity stamped over the client's), so what peers see is
 * the rewritten text; a renewal is recognised after the rewrite, which is deterministic.
 */
import * as decoding from 'lib0/decoding';
import { CloseCode } from '../../shared/close-codes.js';
import { putVarUint, varUintSize } from '../bytes/var-uint.js';
import { ConnectionError } from '../wire/errors.js';
import { awarenessHeaderSize, putAwarenessHeader } from '../wire/frames.js';

interface OwnedState<Owner> {
  /** The clock relayed: the client's clock plus {@link offset}. */
  clock: number;
  /** Added to the owner's clocks: above zero for an id taken back over a tombstone. */
  offset: number;
  json: string;
  /** UTF-8 length of `json`. */
  bytes: number;
  owner: Owner;
}

interface Tombstone {
  clock: number;
  removedAt: number;
  /** The claim of the owner removed: only an owner with the same one may take the id back. */
  claim: string | null;
  /** Owners that joined before this ({@link AwarenessTable.join}) may not take the id back. */
  joinsBefore: number;
}

/**
 * Who may take a removed id back: the claim of an owner (the token's user, or the client's
 * address in open mode). Null: an owner vouched for elsewhere (a connection on another instance).
 */
export type ClaimOf<Owner> = (owner: Owner) => string | null;

interface Entry {
  clientId: number;
  clock: number;
  json: string;
}

/**
 * Rewrites one state's JSON text before it is kept and relayed; throws for text it cannot read.
 * Null keeps states as sent, checking only that they parse.
 */
export type StateRewrite = ((state: string) => string) | null;

/** What applying one awareness message changed. */
export const AwarenessChange = {
  /** Nothing to relay: stale, foreign or duplicate entries only. */
  None: 0,
  /** Only renewals of unchanged states. */
  Renewed: 1,
  /** A state was added, changed or removed: relay soon. */
  Changed: 2,
} as const;
export type AwarenessChange = (typeof AwarenessChange)[keyof typeof AwarenessChange];

/**
 * How long a tombstone outlives its state. Echoes of a removed state are in flight for a round
 * trip at most; y-protocols itself forgets a silent state after 30 s.
 */
const TOMBSTONE_MS = 30_000;

const NULL_STATE = 'null';

/** Reads the entries of an awareness update; throws a 4400 {@link ConnectionError} on bad bytes. */
function readEntries(payload: Uint8Array): Entry[] {
  try {
    const decoder = decoding.createDecoder(payload);
    const count = decoding.readVarUint(decoder);
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      entries.push({ clientId, clock, json: decoding.readVarString(decoder) });
    }
    if (decoding.hasContent(decoder)) throw new ConnectionError(CloseCode.BadMessage, 'trailing_bytes');
    return entries;
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    throw new ConnectionError(CloseCode.BadMessage, 'undecodable', { cause: error });
  }
}

/** UTF-8 length of `text`, computed only when the character count cannot settle the question. */
function exceedsBytes(text: string, maxBytes: number): boolean {
  if (text.length * 3 <= maxBytes) return false;
  return Buffer.byteLength(text, 'utf8') > maxBytes;
}

/** The awareness states of one room and which connection owns each. */
export class AwarenessTable<Owner> {
  private readonly states = new Map<number, OwnedState<Owner>>();
  private readonly tombstones = new Map<number, Tombstone>();
  /** Ids added, changed or removed since the last broadcast. */
  private readonly changed = new Set<number>();
  /** Ids renewed unchanged since the last broadcast. */
  private readonly renewed = new Set<number>();
  /** How many states each owner has. */
  private readonly owned = new Map<Owner, number>();
  /** The order in which present owners joined; owners not in it count as joined just now. */
  private readonly joined = new Map<Owner, number>();
  private joins = 0;

  constructor(
    private readonly maxStateBytes: number,
    private readonly maxStatesPerOwner: number,
    private readonly claimOf: ClaimOf<Owner> = () => null,
  ) {}

  /**
   * Notes that `owner` joined the room now: an owner present when an id was removed (a peer
   * echoing the removed state) never takes it back.
   */
  join(owner: Owner): void {
    this.joined.set(owner, ++this.joins);
  }

  /** Number of states present. */
  get size(): number {
    return this.states.size;
  }

  /** True when renewals wait for a broadcast. */
  get hasRenewals(): boolean {
    return this.renewed.size > 0;
  }

  /**
   * Applies an awareness update (the payload inside a type-1 frame) sent by `owner`. Validates
   * every entry before changing anything, so a bad message changes nothing. The client ids of the
   * entries that changed something are added to `touched`.
   */
  apply(owner: Owner, payload: Uint8Array, rewrite: StateRewrite = null, touched?: Set<number>): AwarenessChange {
    const entries = readEntries(payload);
    for (const entry of entries) {
      if (exceedsBytes(entry.json, this.maxStateBytes)) {
        throw new ConnectionError(CloseCode.TooLarge, 'awareness_state_too_large');
      }
    }
    let change: AwarenessChange = AwarenessChange.None;
    for (const entry of entries) {
      const outcome = this.applyEntry(owner, entry, rewrite);
      if (outcome !== AwarenessChange.None) touched?.add(entry.clientId);
      if (outcome > change) change = outcome;
    }
    return change;
  }

  private applyEntry(owner: Owner, { clientId, clock, json }: Entry, rewrite: StateRewrite): AwarenessChange {
    const current = this.states.get(clientId);
    if (current === undefined) {
      if (json === NULL_STATE) return AwarenessChange.None;
      const tombstone = this.tombstones.get(clientId);
      if (tombstone !== undefined && !this.mayTakeBack(owner, tombstone)) return AwarenessChange.None;
      const state = checkedState(json, rewrite);
      const owned = this.owned.get(owner) ?? 0;
      if (owned >= this.maxStatesPerOwner) throw new ConnectionError(CloseCode.TooLarge, 'awareness_too_many_clients');
      this.owned.set(owner, owned + 1);
      this.tombstones.delete(clientId);
      // Peers hold the removal at the tombstone's clock and ignore a state at or below it.
      const offset = tombstone !== undefined && clock <= tombstone.clock ? tombstone.clock + 1 - clock : 0;
      this.states.set(clientId, { clock: clock + offset, offset, json: state, bytes: Buffer.byteLength(state, 'utf8'), owner });
      this.changed.add(clientId);
      return AwarenessChange.Changed;
    }
    if (current.owner !== owner) return AwarenessChange.None;
    clock += current.offset;
    if (json === NULL_STATE) {
      // y-protocols accepts a removal at the same clock, so a client may remove without a bump.
      if (clock < current.clock) return AwarenessChange.None;
      this.remove(clientId, current, clock, Date.now());
      return AwarenessChange.Changed;
    }
    if (clock <= current.clock) return AwarenessChange.None;
    // Without a rewrite the text is compared as sent, and parsed only once it changed.
    const next = rewrite === null ? json : checkedState(json, rewrite);
    if (next === current.json) {
      current.clock = clock;
      this.renewed.add(clientId);
      return AwarenessChange.Renewed;
    }
    // A moving caret or pointer changes only numbers: then the text needs no parse to be valid.
    const state = rewrite !== null ? next : onlyDigitsChanged(current.json, json) ? json : checkedState(json, null);
    current.clock = clock;
    current.json = state;
    current.bytes = Buffer.byteLength(current.json, 'utf8');
    this.changed.add(clientId);
    return AwarenessChange.Changed;
  }

  /** Whether `owner` may take back an id removed under `tombstone`: the same claim, joined since. */
  private mayTakeBack(owner: Owner, tombstone: Tombstone): boolean {
    if ((this.joined.get(owner) ?? Number.POSITIVE_INFINITY) <= tombstone.joinsBefore) return false;
    const claim = this.claimOf(owner);
    return claim === null || tombstone.claim === null || claim === tombstone.claim;
  }

  /** The client ids whose states `owner` introduced. */
  idsOf(owner: Owner): number[] {
    const ids: number[] = [];
    for (const [clientId, state] of this.states) if (state.owner === owner) ids.push(clientId);
    return ids;
  }

  /** An awareness update with the current entry of each of `clientIds`: its state, or its removal. */
  encode(clientIds: Iterable<number>): Uint8Array {
    return this.write(clientIds instanceof Set ? clientIds : new Set(clientIds), false);
  }

  /** Removes every state `owner` introduced (it left); true when there was one to remove. */
  removeOwner(owner: Owner): boolean {
    this.joined.delete(owner);
    const now = Date.now();
    for (const [clientId, tombstone] of this.tombstones) {
      if (now - tombstone.removedAt > TOMBSTONE_MS) this.tombstones.delete(clientId);
    }
    let removed = false;
    for (const [clientId, state] of this.states) {
      if (state.owner !== owner) continue;
      // The same clock: peers accept a null state at the clock they hold (y-protocols), and the
      // client, if it comes back with that clock, is not refused for a bump it never made.
      this.remove(clientId, state, state.clock, now);
      removed = true;
    }
    return removed;
  }

  private remove(clientId: number, state: OwnedState<Owner>, clock: number, now: number): void {
    const owned = (this.owned.get(state.owner) ?? 1) - 1;
    if (owned > 0) this.owned.set(state.owner, owned);
    else this.owned.delete(state.owner);
    this.states.delete(clientId);
    this.renewed.delete(clientId);
    this.tombstones.set(clientId, { clock, removedAt: now, claim: this.claimOf(state.owner), joinsBefore: this.joins });
    this.changed.add(clientId);
  }

  /**
   * The awareness frame to broadcast: every change since the last call plus pending renewals,
   * or null when there is nothing. Clears both.
   */
  takeFrame(): Uint8Array | null {
    if (this.changed.size === 0 && this.renewed.size === 0) return null;
    const ids = this.renewed.size === 0 ? this.changed : new Set([...this.changed, ...this.renewed]);
    const frame = this.write(ids, true);
    this.changed.clear();
    this.renewed.clear();
    return frame;
  }

  /** An awareness frame holding every present state, or null when there is none. */
  snapshotFrame(): Uint8Array | null {
    return this.states.size === 0 ? null : this.write(new Set(this.states.keys()), true);
  }

  /**
   * The current entry of each of `clientIds` as an awareness update, inside an awareness frame
   * when `framed`: sized first, then written into one buffer.
   */
  private write(clientIds: ReadonlySet<number>, framed: boolean): Uint8Array {
    let size = varUintSize(clientIds.size);
    for (const clientId of clientIds) {
      const { clock, bytes } = this.entryOf(clientId);
      size += varUintSize(clientId) + varUintSize(clock) + varUintSize(bytes) + bytes;
    }
    const out = Buffer.allocUnsafe((framed ? awarenessHeaderSize(size) : 0) + size);
    let at = putVarUint(out, framed ? putAwarenessHeader(out, size) : 0, clientIds.size);
    for (const clientId of clientIds) {
      const { clock, json, bytes } = this.entryOf(clientId);
      at = putVarUint(out, putVarUint(out, at, clientId), clock);
      at = putVarUint(out, at, bytes);
      at += out.write(json, at, bytes, 'utf8');
    }
    return out;
  }

  /** What the entry of `clientId` carries: its state, or its removal at the tombstone's clock. */
  private entryOf(clientId: number): { clock: number; json: string; bytes: number } {
    return this.states.get(clientId) ?? { clock: this.tombstones.get(clientId)?.clock ?? 0, json: NULL_STATE, bytes: NULL_STATE.length };
  }
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const BACKSLASH = 0x5c;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/**
 * Whether `next` is `valid` (a JSON text) with nothing changed but runs of digits, each replaced
 * by a non-empty run without a leading zero: then `next` is valid JSON too. A run of digits in
 * JSON is a number's integer part (which only a leading zero could spoil), its fraction or
 * exponent (any digits), or part of a string (any characters, but for the hex digits of a `\u`
 * escape, hence no backslash at all). Anything else answers false, and the caller parses.
 * This is the common case of presence (carets and pointers move), and costs a scan instead of a
 * parse that builds and drops an object tree.
 */
export function onlyDigitsChanged(valid: string, next: string): boolean {
  let i = 0;
  let j = 0;
  while (i < valid.length && j < next.length) {
    const a = valid.charCodeAt(i);
    const b = next.charCodeAt(j);
    if (!isDigit(a) || !isDigit(b)) {
      if (a !== b || a === BACKSLASH) return false;
      i++;
      j++;
      continue;
    }
    // Both texts are at the start of a run of digits: what came before was equal and not a digit.
    const start = j;
    while (i < valid.length && isDigit(valid.charCodeAt(i))) i++;
    while (j < next.length && isDigit(next.charCodeAt(j))) j++;
    if (next.charCodeAt(start) === DIGIT_0 && j - start > 1) return false;
  }
  return i === valid.length && j === next.length;
}

/**
 * The state to keep for `json`: rewritten when a rewrite is given, else as sent once it parses
 * as a JSON object (peers JSON.parse every state they get and read fields of it). Throws a 4400
 * {@link ConnectionError} otherwise.
 */
function checkedState(json: string, rewrite: StateRewrite): string {
  let state: unknown;
  try {
    if (rewrite !== null) return rewrite(json);
    state = JSON.parse(json);
  } catch (error) {
    throw new ConnectionError(CloseCode.BadMessage, 'awareness_state_invalid', { cause: error });
  }
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ConnectionError(CloseCode.BadMessage, 'awareness_state_invalid');
  }
  return json;
}
