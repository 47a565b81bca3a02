import type { Server, Socket } from 'node:net';

/**
 * Servers a test listens with on 127.0.0.1 (a port to hold, a stand-in that answers wrongly);
 * `closeAll` ends them and any connection they still hold, so a client that left one open does
 * not keep the suite waiting.
 */
export function testListeners() {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  return {
    async listen(server: Server): Promise<number> {
      servers.push(server);
      server.on('connection', (socket: Socket) => sockets.add(socket));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return (server.address() as { port: number }).port;
    },
    async closeAll(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    },
  };
}
