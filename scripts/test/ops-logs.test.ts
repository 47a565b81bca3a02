/**
 * `ops logs` against moto's CloudWatch Logs: the service's group as modules/ecs names it
 * (/ecs/platform-production/<service>, a stream per task), JSON lines made readable, --follow
 * printing what arrives once each, and the errors a user meets.
 */

import type { ChildProcess } from 'node:child_process';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  type InputLogEvent,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../test/eventually.ts';
import { CLUSTER, type Moto, ops, startMoto } from './ops-moto.ts';

let moto: Moto;
const group = `/ecs/${CLUSTER}/products`;
const streamA = 'products/products/aaaaaaaa1111222233334444';
const streamB = 'products/products/bbbbbbbb5555666677778888';

async function put(stream: string, events: InputLogEvent[]) {
  await moto.logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));
}

beforeAll(async () => {
  moto = await startMoto();
  await moto.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  await moto.logs.send(new CreateLogGroupCommand({ logGroupName: `/ecs/${CLUSTER}/shopping` }));
  for (const s of [streamA, streamB]) {
    await moto.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
  }
  const now = Date.now();
  await put(streamA, [
    { timestamp: now - 7_200_000, message: '{"time":"old","level":"info","msg":"two hours ago"}' },
    {
      timestamp: now - 3000,
      message:
        '{"time":"2026-01-01T10:00:00.000Z","level":"info","service":"products","msg":"request","requestId":"0190a1b2","method":"GET","path":"/products","status":200,"ms":3}',
    },
    {
      timestamp: now - 1000,
      message:
        '{"time":"2026-01-01T10:00:02.000Z","level":"error","msg":"unhandled error","requestId":"0190a1b3","err":{"name":"TypeError","message":"x is undefined","stack":"TypeError: x is undefined\\n    at handler (/app/main.mjs:1:2)"}}',
    },
  ]);
  await put(streamB, [{ timestamp: now - 2000, message: 'node: warning: something not JSON' }]);
}, 60_000);

afterAll(() => moto?.close());

describe('ops logs', () => {
  it('prints the events since --since from every task, oldest first, JSON lines made readable', async () => {
    const run = await ops(moto.endpoint, ['logs', 'products', '--since', '1h']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      '2026-01-01T10:00:00.000Z INFO  [aaaaaaaa] request requestId=0190a1b2 service=products method=GET path=/products status=200 ms=3',
      // not JSON: the event's own time, then the line as it is
      expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[bbbbbbbb\] node: warning: something not JSON$/),
      '2026-01-01T10:00:02.000Z ERROR [aaaaaaaa] unhandled error requestId=0190a1b3 err="TypeError: x is undefined"',
      '    at handler (/app/main.mjs:1:2)',
    ]);
    expect(run.stdout).not.toContain('two hours ago');
  });

  it('--since 3h reaches further back; --filter passes a CloudWatch filter pattern', async () => {
    const all = await ops(moto.endpoint, ['logs', 'products', '--since', '3h']);
    expect(all.stdout).toContain('two hours ago');
    const filtered = await ops(moto.endpoint, ['logs', 'products', '--since', '3h', '--filter', 'warning']);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout.trim().split('\n')).toHaveLength(1);
    expect(filtered.stdout).toContain('something not JSON');
  });

  it('--follow prints new events as they arrive, each once, until interrupted', async () => {
    let out = '';
    let child: ChildProcess | undefined;
    const running = ops(moto.endpoint, ['logs', 'products', '--follow', '--since', '1m', '--poll', '0.2'], {
      started: (c) => {
        child = c;
        c.stdout?.on('data', (d) => {
          out += d;
        });
      },
    });
    await eventually(() => out.includes('unhandled error'), 20_000, 'the events already there');
    await put(streamB, [
      { timestamp: Date.now(), message: '{"time":"t1","level":"info","msg":"order placed","orderId":"o-1"}' },
    ]);
    await eventually(() => out.includes('order placed'), 20_000, 'the new event');
    await new Promise((r) => setTimeout(r, 800)); // a few more polls: nothing printed twice
    child?.kill('SIGINT');
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`following ${group}`);
    expect(run.stdout.match(/order placed/g)).toHaveLength(1);
    expect(run.stdout.match(/unhandled error/g)).toHaveLength(1);
    expect(run.stdout).toContain('t1 INFO  [bbbbbbbb] order placed orderId=o-1');
  });

  it('an unknown service names the services that have logs; bad usage exits 2', async () => {
    const run = await ops(moto.endpoint, ['logs', 'billing']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: unknown service billing: no log group /ecs/${CLUSTER}/billing; services with logs: products, shopping`,
    );
    const since = await ops(moto.endpoint, ['logs', 'products', '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since takes 30s, 10m, 2h, 1d or an ISO time, got "yesterday"');
    const none = await ops(moto.endpoint, ['logs']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('logs needs a service name');
  });
});
