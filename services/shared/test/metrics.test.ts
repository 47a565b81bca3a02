import { describe, expect, it } from 'vitest';
import { EmfMetrics, percentile } from '../src/metrics.ts';

// biome-ignore lint/suspicious/noExplicitAny: EMF lines are checked field by field
type Line = any;

function emf(intervalMs?: number) {
  const lines: Line[] = [];
  const errors: string[] = [];
  const metrics = new EmfMetrics({
    namespace: 'platform/test',
    service: 'shopping',
    write: (line) => lines.push(JSON.parse(line)),
    onError: (name) => errors.push(name),
    ...(intervalMs && { intervalMs }),
  });
  return { metrics, lines, errors };
}

describe('EmfMetrics', () => {
  it('writes CloudWatch Embedded Metric Format: namespace, the Service dimension, sums per interval', async () => {
    const { metrics, lines } = emf();
    metrics.count('OrdersPlaced');
    metrics.count('OrdersPlaced', 2);
    await metrics.flush(1_700_000_000_000);
    expect(lines).toEqual([
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: 'platform/test',
              Dimensions: [['Service']],
              Metrics: [{ Name: 'OrdersPlaced', Unit: 'Count' }],
            },
          ],
        },
        Service: 'shopping',
        OrdersPlaced: 3,
      },
    ]);
    lines.length = 0;
    await metrics.flush();
    expect(lines).toEqual([]); // counters start again from nothing; nothing to say, no line
  });

  it('counts under an extra dimension on a line of its own, and in the service total', async () => {
    const { metrics, lines } = emf();
    metrics.count('EventsPublished', 1, { EventType: 'order.placed' });
    metrics.count('EventsPublished', 1, { EventType: 'order.placed' });
    metrics.count('EventsPublished', 1, { EventType: 'order.confirmed' });
    await metrics.flush();
    const byType = lines.filter((l) => l.EventType);
    expect(byType.map((l) => [l.EventType, l.EventsPublished])).toEqual([
      ['order.placed', 2],
      ['order.confirmed', 1],
    ]);
    expect(byType[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Service', 'EventType']]);
    expect(lines.find((l) => !l.EventType).EventsPublished).toBe(3);
  });

  it('sends distributions as values (at most 100 a line) and reads gauges at flush, skipping one that fails', async () => {
    const { metrics, lines, errors } = emf();
    for (let i = 1; i <= 250; i++) metrics.observe('OrderSettleSeconds', i / 100);
    let unsent = 4;
    metrics.gauge('OutboxUnsent', 'Count', () => unsent);
    metrics.gauge('DeadLetterMessages', 'Count', async () => {
      throw new Error('broker down');
    });
    await metrics.flush();
    const [line] = lines;
    expect(line.OutboxUnsent).toBe(4);
    expect(line.OrderSettleSeconds).toHaveLength(100);
    expect(line.OrderSettleSeconds.every((v: number) => v > 0 && v <= 2.5)).toBe(true);
    expect(line._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'OutboxUnsent', Unit: 'Count' },
      { Name: 'OrderSettleSeconds', Unit: 'Seconds' },
    ]);
    expect('DeadLetterMessages' in line).toBe(false);
    expect(errors).toEqual(['DeadLetterMessages']);
    unsent = 0;
    lines.length = 0;
    await metrics.flush();
    expect(lines[0].OutboxUnsent).toBe(0); // a gauge says its value every time, zero included
    expect('OrderSettleSeconds' in lines[0]).toBe(false);
  });

  it('flushes on its interval once started, and once more when stopped', async () => {
    const { metrics, lines } = emf(30);
    metrics.start();
    metrics.count('EventsHandled');
    await new Promise((r) => setTimeout(r, 80));
    expect(lines.map((l) => l.EventsHandled)).toEqual([1]);
    metrics.count('EventsHandled', 5);
    await metrics.stop();
    expect(lines.map((l) => l.EventsHandled)).toEqual([1, 5]);
  });
});

describe('percentile', () => {
  it('orders numbers as numbers, not as their digits', () => {
    const values = [9, 100, 25, 3, 1000, 7, 80, 11, 2, 40];
    expect(percentile(values, 0.9)).toBe(1000);
    expect(percentile(values, 0.5)).toBe(25);
    expect(percentile(values, 0)).toBe(2);
    expect(values[0]).toBe(9); // the caller's array is left as it was
  });

  it('has none of nothing', () => {
    expect(percentile([], 0.9)).toBeUndefined();
  });
});
