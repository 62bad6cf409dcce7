/**
 * Hocuspocus as a benchmark target: its server with the SQLite extension, as its documentation
 * sets them up, on 127.0.0.1. Run as its own process: `hocuspocus-server <port> <database file>`.
 */
import { SQLite } from '@hocuspocus/extension-sqlite';
import { Server } from '@hocuspocus/server';

const server = new Server({
  port: Number(process.argv[2]),
  address: '127.0.0.1',
  quiet: true,
  // The default closes a socket after 60 s without a message from it; the idle workloads hold
  // quiet connections for longer than that on purpose (a provider would ping them alive).
  timeout: 30 * 60_000,
  extensions: [new SQLite({ database: process.argv[3] })],
});
await server.listen();
