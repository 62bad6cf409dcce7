/**
 * The ceiling for every benchmark: forwards each frame to the other sockets of the same room
 * (the URL path), with no Yjs and no storage. Run as its own process: `raw-relay <port>`.
 */
import { WebSocketServer, type WebSocket } from 'ws';

const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });

server.on('connection', (socket, request) => {
  const name = (request.url ?? '/').split('?')[0] ?? '/';
  const members = rooms.get(name) ?? new Set<WebSocket>();
  rooms.set(name, members);
  members.add(socket);
  socket.on('message', (data, isBinary) => {
    for (const peer of members) if (peer !== socket) peer.send(data, { binary: isBinary });
  });
  socket.on('close', () => {
    members.delete(socket);
    if (members.size === 0 && rooms.get(name) === members) rooms.delete(name);
  });
});
process.on('SIGTERM', () => process.exit(0));
