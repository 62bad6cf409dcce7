/** Admin verbs on a running server, through its HTTP document API (server/api/documents.ts). */
import type { DocumentFormat } from '../api/formats.js';
import type { DocumentSummary } from '../api/documents.js';
import type { VersionInfo } from '../storage/versions.js';
import { AdminError, type AdminFailure, type AdminTarget } from './admin-target.js';

const FAILURES: Readonly<Record<number, AdminFailure>> = {
  400: 'bad_input',
  401: 'denied',
  403: 'denied',
  404: 'not_found',
  409: 'conflict',
  413: 'bad_input',
  422: 'bad_input',
};

/** The server at `serverUrl` (e.g. `http://127.0.0.1:1234`), with `token` when it needs one. */
export function openRemoteTarget(serverUrl: string, token: string | null): AdminTarget {
  const base = serverUrl.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    let response: Response;
    try {
      response = await fetch(`${base}/api/documents${path}`, { ...init, headers });
    } catch (error) {
      throw new AdminError('failed', `cannot reach ${base}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (response.ok) return response;
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // Not the API's JSON (a proxy's error page, say): show it as it is.
    }
    throw new AdminError(FAILURES[response.status] ?? 'failed', `${response.status}: ${message.trim()}`);
  };
  const doc = (name: string, query: string): string => `/${encodeURIComponent(name)}?${query}`;
  return {
    async list() {
      const documents: DocumentSummary[] = [];
      let after: string | null = '';
      while (after !== null) {
        const page = (await (await call(`?limit=1000&after=${encodeURIComponent(after)}`)).json()) as { documents: DocumentSummary[]; next: string | null };
        documents.push(...page.documents);
        after = page.next;
      }
      return documents;
    },
    async read(name, format: DocumentFormat) {
      return new Uint8Array(await (await call(doc(name, `format=${format}`))).arrayBuffer());
    },
    async write(name, format, body, replace, kind) {
      const response = await call(doc(name, `format=${format}${replace ? '&replace=1' : ''}${kind == null ? '' : `&type=${kind}`}`), {
        method: 'PUT',
        body: Buffer.from(body),
      });
      return response.status === 201;
    },
    async delete(name) {
      await call(doc(name, ''), { method: 'DELETE' });
    },
    async compact(name) {
      await call(doc(name, 'action=compact'), { method: 'POST' });
    },
    async info(name) {
      return (await (await call(doc(name, 'info=1'))).json()) as DocumentSummary;
    },
    async versions(name) {
      return ((await (await call(`/${encodeURIComponent(name)}/versions`)).json()) as { versions: VersionInfo[] }).versions;
    },
    async createVersion(name, label) {
      const body = JSON.stringify(label === null ? {} : { label });
      return (await (await call(`/${encodeURIComponent(name)}/versions`, { method: 'POST', body })).json()) as VersionInfo;
    },
    async readVersion(name, id, format) {
      return new Uint8Array(await (await call(`/${encodeURIComponent(name)}/versions/${encodeURIComponent(id)}?format=${format}`)).arrayBuffer());
    },
    async restoreVersion(name, id) {
      const path = `/${encodeURIComponent(name)}/versions/${encodeURIComponent(id)}/restore`;
      return ((await (await call(path, { method: 'POST' })).json()) as { beforeRestore: VersionInfo }).beforeRestore;
    },
    async putVersion(name, info, state) {
      const query = new URLSearchParams({
        kind: info.kind,
        createdAt: String(info.createdAt),
        ...(info.label === null ? {} : { label: info.label }),
        ...(info.createdBy === null ? {} : { createdBy: info.createdBy }),
      });
      await call(`/${encodeURIComponent(name)}/versions/${encodeURIComponent(info.id)}?${query}`, { method: 'PUT', body: Buffer.from(state) });
    },
    close: () => Promise.resolve(),
  };
}
