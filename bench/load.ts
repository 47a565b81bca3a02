/**
 * The load generator, in a process of its own so that it does not share a CPU queue with what it
 * measures: autocannon with one spec (JSON on argv[2]), the result as JSON on stdout.
 *
 * spec: { url, connections, duration, requests: [{ method, path, body?, headers? }], tokens?: string[] }
 * With `tokens`, connection i sends Authorization: Bearer tokens[i % tokens.length].
 */
import autocannon from 'autocannon';

interface Spec {
  url: string;
  connections: number;
  duration: number;
  requests: Array<{ method: string; path: string; body?: unknown; headers?: Record<string, string> }>;
  tokens?: string[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
let next = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  requests: spec.requests.map((r) => ({
    method: r.method as 'GET',
    path: r.path,
    ...(r.body !== undefined && { body: JSON.stringify(r.body) }),
    // the context lives as long as the connection: one token per connection
    setupRequest: (req: autocannon.Request, context: object) => {
      const ctx = context as { token?: string };
      if (spec.tokens && ctx.token === undefined) ctx.token = spec.tokens[next++ % spec.tokens.length];
      req.headers = {
        'content-type': 'application/json',
        ...r.headers,
        ...(ctx.token && { authorization: `Bearer ${ctx.token}` }),
      };
      return req;
    },
  })),
});
process.stdout.write(
  JSON.stringify({
    requestsPerSec: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodeStats,
  }),
);
