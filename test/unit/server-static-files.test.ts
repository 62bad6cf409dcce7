/** Static paths: app routes get index.html; nothing resolves outside the app folder. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStaticPath } from '../../server/transport/static-files.js';

const ROOT = '/srv/app';

describe('static paths', () => {
  it.each(['/', '/index.html', '/d/notes', '/d/team/plan'])('%s is the app', (path) => {
    expect(resolveStaticPath(ROOT, path)).toBe(join(ROOT, 'index.html'));
  });

  it('maps asset paths into the folder', () => {
    expect(resolveStaticPath(ROOT, '/assets/index-1.js')).toBe(join(ROOT, 'assets', 'index-1.js'));
    expect(resolveStaticPath(ROOT, '/assets/a%20b.css')).toBe(join(ROOT, 'assets', 'a b.css'));
  });

  it.each(['/../etc/passwd', '/%2e%2e/etc/passwd', '/assets/..%2F..%2Fetc/passwd', '/..', '/%00', '/bad%zz'])('%s resolves to no file at all', (path) => {
    expect(resolveStaticPath(ROOT, path)).toBeNull();
  });
});
