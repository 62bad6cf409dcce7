/**
 * Each package's public API is what its README lists: the names a module exports at run time, and
 * the type-only names TypeScript sees, equal the README's "Values" and "Types" lists. Unknown
 * options of createTandemServer and unknown props of the editor are compile errors (the
 * `@ts-expect-error` lines below fail `npm run typecheck` the day they stop being errors).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CollaborativeEditor } from '../../client/index.js';
import { ConfigError, createMemoryStore, createTandemServer } from '../../server/index.js';
import { documentedNames } from '../helpers/readme.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PACKAGES = [
  { name: '@tandem-sync/server', folder: 'server', load: () => import('../../server/index.js') },
  { name: '@tandem-sync/react', folder: 'client', load: () => import('../../client/index.js') },
] as const;

/** Every name a module exports, types included, as TypeScript resolves it from the sources. */
function compiledExports(): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(`${ROOT}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (config === undefined) throw new Error('tsconfig.json does not parse');
  const entries = PACKAGES.map((pkg) => `${ROOT}${pkg.folder}/index.ts`);
  const program = ts.createProgram(entries, { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  return new Map(
    PACKAGES.map((pkg, index) => {
      const source = program.getSourceFile(entries[index] ?? '');
      const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
      if (symbol === undefined) throw new Error(`${pkg.folder}/index.ts has no module symbol`);
      return [pkg.name, checker.getExportsOfModule(symbol).map((exported) => exported.name)];
    }),
  );
}

describe('the public API', () => {
  const compiled = compiledExports();

  for (const pkg of PACKAGES) {
    const readme = readFileSync(`${ROOT}${pkg.folder}/README.md`, 'utf8');

    it(`${pkg.name} exports at run time exactly the values its README lists`, async () => {
      expect(Object.keys(await pkg.load()).sort()).toEqual(documentedNames(readme, 'Values'));
    });

    it(`${pkg.name} exports exactly the types its README lists`, () => {
      const values = new Set(documentedNames(readme, 'Values'));
      const typeOnly = (compiled.get(pkg.name) ?? []).filter((name) => !values.has(name)).sort();
      expect(typeOnly).toEqual(documentedNames(readme, 'Types'));
    });
  }

  it('createTandemServer refuses an option it does not know, naming it', async () => {
    const store = createMemoryStore();
    const started = createTandemServer({
      noServer: true,
      store,
      logLevel: 'silent',
      // @ts-expect-error -- not an option: a misspelt option is a compile error, not a silent default
      storeDir: './data',
    });
    const refusal = await started.then(
      async (server) => {
        await server.close();
        return null;
      },
      (error: unknown) => error,
    );
    await store.close();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String(refusal)).toMatch(/storeDir/);
  });

  it('the editor component takes only the props it declares', () => {
    const element = (
      <CollaborativeEditor
        serverUrl="ws://127.0.0.1:1"
        documentName="notes"
        user={{ name: 'Ada', color: '#3366ff' }}
        // @ts-expect-error -- not a prop: a misspelt documentName must not compile
        documentname="notes"
      />
    );
    expect(element.props).toMatchObject({ documentname: 'notes' });
  });
});
