/**
 * Where a worker thread's module is. Built, it is `<name>.js` beside the module that starts it.
 * Run from the TypeScript sources (tests, `node --import tsx`), it is `<name>.ts`, and Node 20
 * does not apply the parent's `--import` loader hooks to worker threads: a one-line ESM bootstrap
 * registers tsx (a dev dependency, present wherever the sources run) before importing it.
 */
export function workerEntry(name: string, startedFrom: string): URL {
  if (!startedFrom.endsWith('.ts')) return new URL(`./${name}.js`, startedFrom);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, startedFrom).href;
  const bootstrap = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(entry)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}
