import type { AddressInfo } from 'node:net';
import type { Fetch } from '../services/shared/src/http.ts';
import { createHttpServer, type HttpServerOptions } from '../services/shared/src/server.ts';

/** The services' own HTTP server (createHttpServer) on a free local port, for tests over real sockets. */
export async function localServer(fetch: Fetch, o: Partial<HttpServerOptions> = {}) {
  const { server, listening, drain } = createHttpServer(fetch, {
    port: 0,
    host: '127.0.0.1',
    maxConnections: 16,
    ...o,
  });
  await listening;
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    drain,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
