/**
 * The load generator, in a process of its own so that it does not share a CPU queue with what it
 * measures: autocannon with one spec (JSON on stdin), the result as JSON on stdout.
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

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Spec;
let next = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.duration,
  requests: spec.requests.map((r) => ({
    method: r.method as 'GET',
    path: r.path,
    ...(r.body !== undefined && { body: JSON.stringify(r.body) }),
    headers: { 'content-type': 'application/json', ...r.headers },
    // Only with tokens is a request built afresh each time: that costs the generator enough CPU
    // to cap a hello-world (and so the ceiling) on a small machine.
    ...(spec.tokens && { setupRequest }),
  })),
});

/** A new sequence (autocannon's context starts empty each time) takes the next customer's token. */
function setupRequest(req: autocannon.Request, context: object) {
  const ctx = context as { token?: string };
  if (spec.tokens && ctx.token === undefined) ctx.token = spec.tokens[next++ % spec.tokens.length];
  req.headers = { ...req.headers, ...(ctx.token && { authorization: `Bearer ${ctx.token}` }) };
  return req;
}
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
