/**
 * The container health check (ECS task definitions and compose run it; the runtime image has no
 * shell and no curl): GET /<service>/health on this container, exit 0 when it answers 200.
 */
const service = process.env.SERVICE_NAME ?? 'unknown';
const port = process.env.PORT ?? '8080';

try {
  const res = await fetch(`http://127.0.0.1:${port}/${service}/health`, { signal: AbortSignal.timeout(2_000) });
  process.exit(res.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
