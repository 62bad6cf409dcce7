/**
 * The packages as a new user gets them: each workspace is packed by npm (its own prepack build)
 * and installed from the tarball alone into fresh projects in a temp dir, next to the newest
 * React 19 and Tiptap 3 from the npm registry. The editor goes into a Vite + React + TypeScript
 * app that compiles the README's embed example strictly and bundles it; the server goes into a
 * Node project with no React or Tiptap, where its `tandem` bin and `createTandemServer` serve
 * `/healthz`.
 *
 * The packing works on a copy of the sources (with the repository's node_modules linked in), so
 * that it never rebuilds the server/dist that `npm start` and other tests run meanwhile.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentedNames } from '../helpers/readme.js';
import { type ChildExit, runProcess } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Installs reach the registry; the npm cache makes repeated runs quicker. */
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'warn'];

/** What an app that already uses React and Tiptap has before it adds Tandem (newest of each major). */
const APP_DEPENDENCIES = [
  'react@^19',
  'react-dom@^19',
  '@types/react@^19',
  '@types/react-dom@^19',
  '@tiptap/react@^3',
  '@tiptap/pm@^3',
  '@tiptap/starter-kit@^3',
  '@tiptap/extension-highlight@^3',
  'vite',
  '@vitejs/plugin-react',
  'typescript',
];

/** Server-side packages that must never reach a browser app's tree or bundle. */
const SERVER_ONLY = ['pg', 'ioredis', 'level', 'classic-level', 'ws', 'happy-dom', 'pino', '@tandem-sync/server'];

/** The environment of the npm children: none of the `npm_*` variables of the `npm test` around us. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

/** Runs npm in `cwd` and resolves with its output; rejects with both streams when it fails. */
async function npm(cwd: string, args: readonly string[]): Promise<ChildExit> {
  const result = await runProcess('npm', args, { cwd, env: cleanEnv() }).exited;
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** npm's complaints about the tree: conflicts, and peer dependencies missing or out of range. */
function peerTrouble(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /ERESOLVE|peer/i.test(line));
}

/** The first fenced block of `language` after the heading line `heading` in `markdown`. */
function codeBlockAfter(markdown: string, heading: string, language: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\\n\`\`\``).exec(markdown.slice(start));
  if (match?.[1] === undefined) throw new Error(`no ${language} block after "${heading}"`);
  return `${match[1]}\n`;
}

interface Packed {
  readonly tarball: string;
  readonly files: readonly string[];
}

/** Copies what a package build reads into `dir`, keeping the repository's layout. */
function stageSources(dir: string): void {
  const skip = (path: string): boolean => /[/\\](node_modules|dist|app)$/.test(path);
  for (const entry of ['tsconfig.json', 'LICENSE', 'shared', 'server', 'client']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true, filter: (source) => !skip(source) });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
}

/** `npm pack` in a staged workspace folder: runs its prepack build and returns the tarball. */
async function pack(stage: string, folder: string, destination: string): Promise<Packed> {
  const { stdout } = await npm(join(stage, folder), ['pack', '--json', '--pack-destination', destination]);
  const [report] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (report === undefined) throw new Error(`npm pack printed no report: ${stdout}`);
  return { tarball: join(destination, report.filename), files: report.files.map((file) => file.path) };
}

describe('the packages installed from their tarballs', () => {
  let work: string;
  let server: Packed;
  let react: Packed;
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  beforeAll(async () => {
    work = await makeTempDir('tandem-packaging-');
    const stage = join(work, 'stage');
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    stageSources(stage);
    server = await pack(stage, 'server', tarballs);
    react = await pack(stage, 'client', tarballs);
  }, 180_000);

  afterAll(async () => {
    if (work !== undefined) await removeTempDir(work);
  });

  it('each tarball holds built JS, declarations, README and license, and no sources, tests, maps or demo app', () => {
    for (const { files } of [server, react]) {
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE']));
      expect(files.filter((file) => /\.map$|\.test\.|(?<!\.d)\.tsx?$|(^|\/)(test|app)\//.test(file))).toEqual([]);
    }
    expect(server.files).toEqual(expect.arrayContaining(['dist/server/index.js', 'dist/server/index.d.ts', 'dist/server/cli.js', 'dist/shared/limits.js']));
    expect(react.files).toEqual(expect.arrayContaining(['dist/client/index.js', 'dist/client/index.d.ts', 'styles.css', 'dist/shared/schema.js']));
  });

  it('a Vite + React + TypeScript app on the newest Tiptap 3 adds the editor with one npm install, type-checks and bundles the README example', async () => {
    const app = join(work, 'vite-app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'vite-app', private: true, type: 'module' }, null, 2));
    await npm(app, ['install', ...NPM_FLAGS, ...APP_DEPENDENCIES]);

    const install = await npm(app, ['install', ...NPM_FLAGS, react.tarball]);
    expect(peerTrouble(install.stderr)).toEqual([]);
    await npm(app, ['ls', '--all']); // exits non-zero on an invalid or missing dependency
    const copiesOfYjs = (await npm(app, ['ls', 'yjs', '--all', '--parseable'])).stdout.split('\n').filter(Boolean);
    expect(new Set(copiesOfYjs).size).toBe(1);
    for (const name of SERVER_ONLY) expect(existsSync(join(app, 'node_modules', name)), `${name} installed`).toBe(false);

    const embed = codeBlockAfter(readme, '## Embedding the editor', 'tsx');
    expect(readFileSync(join(ROOT, 'client/README.md'), 'utf8')).toContain(embed);
    writeFileSync(join(app, 'src/Notes.tsx'), embed);
    writeFileSync(
      join(app, 'src/main.tsx'),
      "import { createRoot } from 'react-dom/client';\nimport { Notes } from './Notes';\n\ncreateRoot(document.getElementById('root')!).render(<Notes />);\n",
    );
    writeFileSync(join(app, 'index.html'), '<!doctype html>\n<div id="root"></div>\n<script type="module" src="/src/main.tsx"></script>\n');
    // Vite's React template: strict, and vite/client declares what a CSS import is.
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      module: 'ESNext',
      moduleResolution: 'bundler',
      jsx: 'react-jsx',
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['vite/client'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
    writeFileSync(join(app, 'tsconfig.lib.json'), JSON.stringify({ compilerOptions: { ...compilerOptions, skipLibCheck: false }, include: ['src'] }));
    // Lists every module that went into the bundle, so that the test can see what is in it.
    writeFileSync(
      join(app, 'vite.config.js'),
      `import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const moduleList = {
  name: 'module-list',
  generateBundle(_options, bundle) {
    const ids = Object.values(bundle).flatMap((output) => (output.type === 'chunk' ? (output.moduleIds ?? Object.keys(output.modules)) : []));
    this.emitFile({ type: 'asset', fileName: 'modules.json', source: JSON.stringify(ids) });
  },
};

export default defineConfig({ plugins: [react(), moduleList], build: { chunkSizeWarningLimit: 4096 } });
`,
    );
    await npm(app, ['exec', '--', 'tsc', '-p', '.']);
    // Tandem's own declarations checked too (the template skips every library's): other packages'
    // complaints about each other are theirs, but none may point into Tandem's files or the app's.
    const libCheck = await runProcess('npm', ['exec', '--', 'tsc', '-p', 'tsconfig.lib.json'], { cwd: app, env: cleanEnv() }).exited;
    const diagnostics = libCheck.stdout.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error/.test(line));
    expect(diagnostics.filter((line) => line.startsWith('src/') || line.includes('@tandem-sync/'))).toEqual([]);
    await npm(app, ['exec', '--', 'vite', 'build', '--logLevel', 'warn']);

    const modules = JSON.parse(readFileSync(join(app, 'dist/modules.json'), 'utf8')) as string[];
    expect(modules.some((id) => id.includes('/node_modules/@tandem-sync/react/dist/client/'))).toBe(true);
    expect(modules.some((id) => id.includes('/node_modules/yjs/'))).toBe(true);
    const serverModules = modules.filter((id) => SERVER_ONLY.some((name) => id.includes(`/node_modules/${name}/`)));
    expect(serverModules).toEqual([]);
    expect(readdirSync(join(app, 'dist/assets')).some((file) => file.endsWith('.css'))).toBe(true);
  }, 600_000);

  it('a Node project with no React or Tiptap installs the server, runs its tandem bin and serves /healthz from createTandemServer', async () => {
    const project = join(work, 'node-project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'node-project', private: true, type: 'module' }, null, 2));
    const install = await npm(project, ['install', ...NPM_FLAGS, server.tarball]);
    expect(peerTrouble(install.stderr)).toEqual([]);
    await npm(project, ['ls', '--all']);
    for (const name of ['react', 'react-dom', '@tiptap/react']) expect(existsSync(join(project, 'node_modules', name)), `${name} installed`).toBe(false);

    const bin = runProcess(join(project, 'node_modules/.bin/tandem'), ['serve', '--port', '0', '--data', join(project, 'data')], {
      cwd: project,
      env: cleanEnv(),
    });
    try {
      const url = await waitFor(() => /documents at ws:\/\/([\d.]+:\d+)\//.exec(bin.output().stderr)?.[1], {
        timeout: 20_000,
        message: 'the tandem bin to listen',
      });
      expect((await fetch(`http://${url}/healthz`)).status).toBe(200);
    } finally {
      bin.process.kill('SIGTERM');
    }
    expect((await bin.exited).code).toBe(0);

    writeFileSync(
      join(project, 'healthz.mjs'),
      `import * as tandem from '@tandem-sync/server';

const server = await tandem.createTandemServer({ port: 0, store: tandem.createMemoryStore(), logLevel: 'silent' });
const response = await fetch(\`\${server.httpUrl}/healthz\`);
console.log(JSON.stringify({ status: response.status, exports: Object.keys(tandem).sort() }));
await server.close();
`,
    );
    const { stdout } = await runProcess(process.execPath, ['healthz.mjs'], { cwd: project, env: cleanEnv() }).exited;
    const serverReadme = readFileSync(join(ROOT, 'server/README.md'), 'utf8');
    expect(JSON.parse(stdout)).toEqual({ status: 200, exports: documentedNames(serverReadme, 'Values') });

    const example = codeBlockAfter(readme, '### As a library', 'ts');
    expect(serverReadme).toContain(example);
    writeFileSync(join(project, 'example.mjs'), example);
    const run = await runProcess(process.execPath, ['example.mjs'], { cwd: project, env: cleanEnv() }).exited;
    expect(run.stdout).toMatch(/documents at ws:\/\/127\.0\.0\.1:\d+\/<name>/);
    expect(run.code).toBe(0);
  }, 300_000);
});
