import { createTokens } from '@platform/shared/auth';
import { AmqpBus } from '@platform/shared/bus-amqp';
import { createEvent } from '@platform/shared/events';
import { uuidv7 } from '@platform/shared/ids';
import { silentLogger } from '@platform/shared/log';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, eventually, startRealService, TEST_JWT_SECRET, uniqueName } from '../../../test/helpers.ts';
import customerService from '../src/service.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;
const exchange = uniqueName('it.customer');
let service: Awaited<ReturnType<typeof startRealService>>;
let publisher: AmqpBus;

beforeAll(async () => {
  service = await startRealService(customerService, { exchange, database: uniqueName('customer').replace(/-/g, '_') });
  publisher = new AmqpBus({ url: backends().amqpUrl, exchange, prefetch: 1, logger: silentLogger });
  await publisher.start();
  await publisher.waitUntilConnected(20_000);
});
afterAll(async () => {
  await publisher?.close();
  await service?.stop();
});

async function historyOf(customerId: string) {
  const token = await (await createTokens(TEST_JWT_SECRET, 600)).issue({
    id: customerId,
    email: 'x@example.com',
    role: 'customer',
  });
  const res = await service.fetch(
    new Request('http://customer/customer/orders', { headers: { authorization: `Bearer ${token}` } }),
  );
  return (await res.json()) as Json[];
}

describe('customer order history from real order events', () => {
  it('follows placed -> confirmed, ignoring duplicates, and a rejected order stays rejected', async () => {
    const customerId = uuidv7();
    const items = [{ productId: uuidv7(), name: 'Mug', unitPriceCents: 800, qty: 2 }];
    const [o1, o2] = [uuidv7(), uuidv7()];
    const placed1 = createEvent(
      'order.placed',
      { orderId: o1, customerId, items, totalCents: 1600, placedAt: new Date().toISOString() },
      'shopping',
    );
    await publisher.publish(placed1);
    await publisher.publish(placed1);
    await eventually(async () => (await historyOf(customerId)).length === 1, 15_000, 'the placed order');
    expect((await historyOf(customerId))[0]).toMatchObject({ orderId: o1, status: 'PENDING', totalCents: 1600, items });

    await publisher.publish(createEvent('order.confirmed', { orderId: o1, customerId, totalCents: 1600 }, 'shopping'));
    // o2: the outcome overtakes order.placed, and a late contradicting outcome is ignored
    await publisher.publish(
      createEvent('order.rejected', { orderId: o2, customerId, reason: 'OUT_OF_STOCK' }, 'shopping'),
    );
    await publisher.publish(
      createEvent(
        'order.placed',
        { orderId: o2, customerId, items, totalCents: 1600, placedAt: new Date().toISOString() },
        'shopping',
      ),
    );
    await publisher.publish(createEvent('order.confirmed', { orderId: o2, customerId, totalCents: 1600 }, 'shopping'));

    const history = await eventually(
      async () => {
        const h = await historyOf(customerId);
        const byId = new Map(h.map((o) => [o.orderId, o]));
        return byId.get(o1)?.status === 'CONFIRMED' && byId.get(o2)?.items.length === 1 ? byId : undefined;
      },
      15_000,
      'both orders settled',
    );
    await new Promise((r) => setTimeout(r, 500)); // let the contradicting event arrive
    expect(history.get(o2)).toMatchObject({ status: 'REJECTED', totalCents: 1600 });
    expect((await historyOf(customerId)).find((o) => o.orderId === o2)?.status).toBe('REJECTED');
    expect(await historyOf(uuidv7())).toEqual([]);
  });
});
