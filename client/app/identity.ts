/** The writer's display name and colour, remembered in localStorage, and recently opened documents. */
import { isPresenceUser, type PresenceUser } from '../../shared/presence.js';

/** Colours offered in the picker: saturated enough for white label text. */
export const PALETTE = ['#e11d48', '#ea580c', '#ca8a04', '#16a34a', '#0d9488', '#2563eb', '#7c3aed', '#c026d3'] as const;

const IDENTITY_KEY = 'tandem.identity';
const RECENT_KEY = 'tandem.recent';
const MAX_RECENT = 6;

const ADJECTIVES = ['Curious', 'Brave', 'Quiet', 'Swift', 'Clever', 'Gentle', 'Bold', 'Bright'];
const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Falcon', 'Badger', 'Panda', 'Fox', 'Koala'];

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

function readJson(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    // Unparseable storage (edited by hand, or another app's key): start afresh.
    return null;
  }
}

/** The remembered identity, or a new random one (not yet remembered). */
export function loadIdentity(): PresenceUser {
  const stored = readJson(IDENTITY_KEY);
  return isPresenceUser(stored) ? stored : { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(PALETTE) };
}

/** Remembers the identity for the next visit. */
export function saveIdentity(user: PresenceUser): void {
  localStorage.setItem(IDENTITY_KEY, JSON.stringify(user));
}

/** Recently opened document names, most recent first. */
export function loadRecent(): string[] {
  const stored = readJson(RECENT_KEY);
  return Array.isArray(stored) ? stored.filter((name): name is string => typeof name === 'string').slice(0, MAX_RECENT) : [];
}

/** Puts `name` first in the recent documents. */
export function rememberDocument(name: string): void {
  localStorage.setItem(RECENT_KEY, JSON.stringify([name, ...loadRecent().filter((other) => other !== name)].slice(0, MAX_RECENT)));
}

/** A fresh, readable document name such as `notes-k3x9`. */
export function newDocumentName(): string {
  return `notes-${Math.random().toString(36).slice(2, 6)}`;
}
