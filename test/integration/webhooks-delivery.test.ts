import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_DEFAULTS, type WebhookOptions } from '../../server/api/webhooks.js';
import { ConfigError, parseCommand } from '../../server/config.js';
import { ClientPool } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const SECRET = 'webhook-test-secret';

interface Delivery {
  body: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
}

/** A local receiver that answers `statuses[i]` to the i-th request (the last one from then on). */
async function receiver(statuses: number[]): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = statuses[Math.min(deliveries.length, statuses.length - 1)] ?? 200;
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, deliveries, server };
}

let tandem: TestServer | null = null;
let hook: Server | null = null;
const pool = new ClientPool();

afterEach(async () => {
  pool.destroyAll();
  await tandem?.close();
  tandem = null;
  if (hook !== null) await new Promise((resolve) => hook?.close(resolve));
  hook = null;
});

async function setup(statuses: number[], options: Partial<WebhookOptions> = {}): Promise<{ deliveries: Delivery[]; server: TestServer }> {
  const receiving = await receiver(statuses);
  hook = receiving.server;
  tandem = await startTestServer({
    webhook: { ...WEBHOOK_DEFAULTS, url: receiving.url, secret: SECRET, debounceMs: 50, maxWaitMs: 1_000, retryBaseMs: 20, retryMaxMs: 100, ...options },
  });
  return { deliveries: receiving.deliveries, server: tandem };
}

async function metric(server: TestServer, outcome: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`tandem_webhook_deliveries_total{outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('webhooks', () => {
  it('deliver a signed document.changed event, retrying through a receiver that fails the first attempts', async () => {
    const { deliveries, server } = await setup([500, 503, 200]);
    const put = await fetch(`${server.httpUrl}/api/documents/notes?format=markdown`, { method: 'PUT', body: '# Hello' });
    expect(put.status).toBe(201);
    await waitFor(() => deliveries.some((d) => d.status === 200), { message: 'a delivered event' });
    expect(deliveries.map((d) => d.status)).toEqual([500, 503, 200]);
    const last = deliveries[2] as Delivery;
    expect(last.headers['x-tandem-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(last.body).digest('hex')}`);
    expect(last.headers['x-tandem-event']).toBe('document.changed');
    expect(new Set(deliveries.map((d) => d.body)).size).toBe(1);
    const event = JSON.parse(last.body) as { type: string; document: string; updatedAt: string; format: string; content: string };
    expect(event).toMatchObject({ type: 'document.changed', document: 'notes', format: 'json' });
    expect(Number.isNaN(Date.parse(event.updatedAt))).toBe(false);
    expect(JSON.parse(event.content)).toEqual({ type: 'doc', content: [{ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Hello' }] }] });
    expect(await metric(server, 'retried')).toBe(2);
    expect(await metric(server, 'delivered')).toBe(1);
  });

  it('gives up after the bound of attempts with a metric', async () => {
    const { deliveries, server } = await setup([503], { maxAttempts: 3 });
    await fetch(`${server.httpUrl}/api/documents/doomed?format=text`, { method: 'PUT', body: 'x' });
    await waitFor(async () => (await metric(server, 'given_up')) === 1, { message: 'given up' });
    expect(deliveries).toHaveLength(3);
    expect(await metric(server, 'delivered')).toBe(0);
  });

  it('debounces a burst of live edits into fewer events carrying the latest content', async () => {
    const { deliveries, server } = await setup([200], { debounceMs: 300, format: 'text' });
    const client = await pool.connectSynced(server.wsUrl, 'live');
    const fragment = client.doc.getXmlFragment('default');
    const { XmlElement, XmlText } = await import('yjs');
    const element = new XmlElement('paragraph');
    const text = new XmlText();
    element.insert(0, [text]);
    fragment.insert(0, [element]);
    for (let i = 0; i < 20; i++) text.insert(i, 'a');
    const latest = (): string | undefined => {
      const body = deliveries.at(-1)?.body;
      return body === undefined ? undefined : (JSON.parse(body) as { content: string }).content;
    };
    await waitFor(() => latest() === 'a'.repeat(20), { message: 'an event with the final text' });
    expect(deliveries.length).toBeLessThan(5);
  });

  it('sends an event at the max wait while a document keeps changing', async () => {
    const { deliveries, server } = await setup([200], { debounceMs: 10_000, maxWaitMs: 200, format: 'text' });
    await fetch(`${server.httpUrl}/api/documents/busy?format=text`, { method: 'PUT', body: 'one' });
    await waitFor(() => deliveries.length === 1, { message: 'an event at the max wait, long before the debounce' });
  });

  it('are configured by flags and environment variables, and a bad URL or format is a clear error', () => {
    const { config } = parseCommand(
      ['--webhook-url', 'https://hooks.example.com/t', '--webhook-max-attempts', '4'],
      { TANDEM_WEBHOOK_SECRET: 's3cret', TANDEM_WEBHOOK_FORMAT: 'markdown' },
      null,
    );
    expect(config.webhook).toMatchObject({
      url: 'https://hooks.example.com/t',
      secret: 's3cret',
      format: 'markdown',
      maxAttempts: 4,
      debounceMs: WEBHOOK_DEFAULTS.debounceMs,
    });
    expect(parseCommand([], {}, null).config.webhook).toBeNull();
    expect(() => parseCommand(['--webhook-url', 'ftp://x'], {}, null)).toThrow(ConfigError);
    expect(() => parseCommand(['--webhook-url', 'http://x', '--webhook-format', 'docx'], {}, null)).toThrow(/yjs, json, html, markdown, text/);
  });
});
