/** Bytes a folder takes on disk: the sum of its files' sizes, recursively. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Total size in bytes of the regular files under `dir`. */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}
