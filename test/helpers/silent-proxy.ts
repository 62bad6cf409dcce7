/**
 * A TCP proxy in front of a server that can go silent: while silenced it forwards nothing in
 * either direction and closes nothing, like a network that vanished without a word (Wi-Fi gone,
 * a NAT that forgot the connection). Only a client's own liveness check can notice.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A running proxy; close it in afterEach. */
export interface SilentProxy {
  /** `ws://127.0.0.1:<port>` of the proxy. */
  readonly wsUrl: string;
  /** From now on, forward nothing: existing and new connections hear silence. */
  silence(): void;
  /** Drops every connection made so far (they lost bytes) and forwards again. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on port 0 to `targetPort` on 127.0.0.1. */
export async function startSilentProxy(targetPort: number): Promise<SilentProxy> {
  let silent = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    client.on('data', (data) => {
      if (!silent) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!silent) client.write(data);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    wsUrl: `ws://127.0.0.1:${port}`,
    silence() {
      silent = true;
    },
    restore() {
      for (const socket of sockets) socket.destroy();
      silent = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
