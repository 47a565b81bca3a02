import { describe, expect, it } from 'vitest';
import { createEvent } from '../services/shared/src/events.ts';
import { uuidv7 } from '../services/shared/src/ids.ts';
import { EmfMetrics } from '../services/shared/src/metrics.ts';
import { testService } from '../services/shared/src/testing.ts';
import shopping from '../services/shopping/src/service.ts';

// biome-ignore lint/suspicious/noExplicitAny: EMF lines are checked field by field
type Line = any;

/** shopping with its metrics kept in memory, and one product in its catalog. */
async function shoppingWithMetrics() {
  const lines: Line[] = [];
  const metrics = new EmfMetrics({
    namespace: 'platform/test',
    service: 'shopping',
    write: (l) => lines.push(JSON.parse(l)),
  });
  const service = await testService(shopping, { metrics });
  const tea = uuidv7();
  await service.deliver(
    createEvent(
      'product.changed',
      {
        productId: tea,
        name: 'Tea',
        description: '',
        category: 'c',
        unit: 'box',
        priceCents: 450,
        supplier: null,
        version: 1,
        updatedAt: new Date().toISOString(),
      },
      'products',
    ),
  );
  const token = await service.tokenFor({ id: uuidv7() });
  const order = async () => {
    await service.request('PUT', `/shopping/cart/items/${tea}`, { token, body: { qty: 1 } });
    const res = await service.request('POST', '/shopping/orders', { token });
    expect(res.status).toBe(202);
    return ((await res.json()) as { orderId: string }).orderId;
  };
  /** One flush: the service-level line and the per-event-type lines. */
  const flush = async () => {
    lines.length = 0;
    await metrics.flush();
    return { total: lines.find((l) => !l.EventType) ?? {}, byType: lines.filter((l) => l.EventType) };
  };
  return { service, order, flush };
}

describe('service metrics (METRICS_NAMESPACE)', () => {
  it('the outbox gauges rise while the broker is away and fall back to zero once it returns', async () => {
    const { service, order, flush } = await shoppingWithMetrics();
    service.bus.setConnected(false);
    await order();
    await order();
    await service.relay.settle();
    await new Promise((r) => setTimeout(r, 30));
    const away = (await flush()).total;
    expect(away.OutboxUnsent).toBe(2);
    expect(away.OutboxOldestAgeSeconds).toBeGreaterThan(0.02);
    expect(away.EventsPublished).toBeUndefined();
    expect(away.OrdersPlaced).toBe(2);
    service.bus.setConnected(true);
    await service.relay.drainOnce(); // what the poller does on reconnect, without waiting for it
    await service.settled();
    const back = await flush();
    expect(back.total).toMatchObject({
      OutboxUnsent: 0,
      OutboxOldestAgeSeconds: 0,
      EventsPublished: 2,
    });
    expect(back.byType.map((l) => [l.EventType, l.EventsPublished])).toEqual([['order.placed', 2]]);
    await service.stop();
  });

  it('counts orders settled once, with their settle time, and handled, failed and dead-lettered events', async () => {
    const { service, order, flush } = await shoppingWithMetrics();
    const orderId = await order();
    await service.settled();
    await flush();
    const reply = createEvent('stock.reserved', { orderId }, 'products');
    await service.bus.publish(reply);
    await service.bus.publish(reply); // a duplicate: handled, not settled twice
    await service.bus.publish(createEvent('stock.reserved', { orderId: uuidv7() }, 'products')); // no such order: fails
    service.bus.publishRaw('stock.reserved', '{"not": "an event"}');
    await new Promise((r) => setTimeout(r, 300));
    const { total } = await flush();
    expect(total).toMatchObject({ OrdersConfirmed: 1, EventsHandled: 2, EventsDeadLettered: 1, DeadLetterMessages: 1 });
    expect(total.EventHandlerFailures).toBeGreaterThanOrEqual(1);
    expect(total.OrderSettleSeconds).toHaveLength(1);
    expect(total.OrderSettleSeconds[0]).toBeGreaterThan(0);
    await service.stop();
  });
});
