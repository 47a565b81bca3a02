/**
 * The check-outbox one-off task as the image runs it (dist/tasks/check-outbox.mjs, bundled by
 * scripts/build.ts, started with plain node outside the repository) against the real
 * database: it finds pending outbox entries in any collection, tells stuck ones by its exit
 * code, and changes nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainEvent } from '@platform/shared/events';
import { dueOutbox, stampedOutbox } from '@platform/shared/outbox-mongo';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundle } from '../../../scripts/build.ts';
import { backends, testDatabase } from '../../../test/helpers.ts';

const db = testDatabase('check_outbox');
const dir = mkdtempSync(join(tmpdir(), 'task-'));
// the task reads only the envelope's type; the data need not be valid
const event = (type: DomainEvent['type']) =>
  ({
    id: crypto.randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    source: 'products',
    data: {},
  }) as DomainEvent;

function runTask(args: string[]) {
  const url = `${backends().mongoUrl.replace(/\/?$/, '/')}${db.databaseName}`;
  return new Promise<{ code: number; lines: Array<Record<string, unknown>> }>((resolve) => {
    execFile(
      process.execPath,
      [join(dir, 'dist', 'tasks', 'check-outbox.mjs'), ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', MONGO_URL: url }, timeout: 30_000 },
      (err, stdout) =>
        resolve({
          code: err ? Number(err.code) : 0,
          lines: stdout
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        }),
    );
  });
}

beforeAll(async () => {
  const { tasks } = await bundle('products', join(dir, 'dist'));
  expect(tasks).toContain('check-outbox');
  const now = Date.now();
  const tenMinutesAgo = now - 600_000;
  await db.collection<{ _id: string; watermark: Date; aliveUntil: Date }>('outbox_writers').insertMany([
    { _id: 'died', watermark: new Date(now - 700_000), aliveUntil: new Date(now - 590_000) },
    { _id: 'alive', watermark: new Date(now - 1_000), aliveUntil: new Date(now + 10_000) },
  ]);
  await db.collection<{ _id: string }>('stock_decisions').insertMany([
    { _id: 'order-0', ...stampedOutbox([event('stock.reserved')], { writer: 'died', at: now - 800_000 }) }, // published
    { _id: 'order-1', ...stampedOutbox([event('stock.reserved')], { writer: 'died', at: tenMinutesAgo }) },
    { _id: 'order-2', ...dueOutbox([event('stock.rejected')]) }, // written before watermarks
    { _id: 'order-3', ...stampedOutbox([event('stock.reserved')], { writer: 'stopped', at: now }) }, // forgotten: all sent
    { _id: 'order-4', outbox: [] }, // before watermarks, sent and cleared
  ]);
  await db
    .collection<{ _id: string }>('product_versions')
    .insertOne({ _id: 'p:1', ...stampedOutbox([event('product.changed')], { writer: 'alive', at: now }) });
}, 60_000);

describe('check-outbox', () => {
  it('lists pending entries per collection, the oldest first, and exits 3 when one is stuck', async () => {
    const before = await db.collection('stock_decisions').find().sort({ _id: 1 }).toArray();
    const { code, lines } = await runTask([]);
    expect(code).toBe(3);
    const decisions = lines.find((l) => l.msg === 'pending outbox' && l.collection === 'stock_decisions');
    expect(decisions).toMatchObject({ level: 'warn', documents: 2, stuck: 1 });
    const oldest = decisions?.oldest as Array<{ id: string; types: string[]; waitingSeconds: number; writer?: string }>;
    expect(oldest.map((o) => o.id)).toEqual(['order-1', 'order-2']);
    expect(oldest[0]?.types).toEqual(['stock.reserved']);
    expect(oldest[0]?.waitingSeconds).toBeGreaterThan(590);
    expect(oldest[0]?.writer).toBe('died');
    expect(lines.find((l) => l.collection === 'product_versions')).toMatchObject({
      level: 'info',
      documents: 1,
      stuck: 0,
    });
    expect(lines.at(-1)).toMatchObject({ msg: 'outbox entries stuck', pending: 3, stuck: 1, stuckAfterSeconds: 300 });
    // read-only
    expect(await db.collection('stock_decisions').find().sort({ _id: 1 }).toArray()).toEqual(before);
  });

  it('exits 0 when nothing waits longer than --stuck-after, and shows at most --limit entries', async () => {
    const { code, lines } = await runTask(['--stuck-after', '3600', '--limit', '1']);
    expect(code).toBe(0);
    const decisions = lines.find((l) => l.collection === 'stock_decisions');
    expect(decisions?.oldest).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ msg: 'outbox checked', stuck: 0 });
  });
});
