/** What the client reads from its own token (client/session/token-claims.ts), against tokens the server mints. */
import { describe, expect, it } from 'vitest';
import { readTokenClaims } from '../../client/session/token-claims.js';
import { tokenFor } from '../helpers/attack.js';

describe('token claims as the client reads them', () => {
  it('reads the expiry in milliseconds and the identity the server stamps', async () => {
    const before = Date.now();
    const claims = readTokenClaims(await tokenFor(['notes:write'], { subject: 'ada', name: 'Ada Lovelace', color: '#e11d48', ttlSeconds: 60 }));
    expect(claims.name).toBe('Ada Lovelace');
    expect(claims.color).toBe('#e11d48');
    expect(claims.expiresAt).toBeGreaterThan(before + 58_000);
    expect(claims.expiresAt).toBeLessThanOrEqual(before + 61_000);
  });

  it('falls back to the subject for the name, as the server does, and keeps the client colour when there is none', async () => {
    const claims = readTokenClaims(await tokenFor(['notes:write'], { subject: 'grace' }));
    expect(claims.name).toBe('grace');
    expect(claims.color).toBeNull();
  });

  it('reads nothing from no token, an opaque token or a malformed one', () => {
    for (const token of [undefined, 'opaque-session-id', 'a.b.c', '']) {
      expect(readTokenClaims(token), String(token)).toEqual({ expiresAt: null, name: null, color: null });
    }
  });
});
