/**
 * The version of the installed server: read once from the nearest package.json above this file,
 * which is the package's own whether it runs from the TypeScript sources or from the build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

let version: string | null = null;

/** This server's version, e.g. `0.1.0`; read on first use, so importing costs nothing. */
export function tandemVersion(): string {
  version ??= findVersion();
  return version;
}
