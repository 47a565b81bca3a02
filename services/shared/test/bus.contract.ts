import { afterEach, describe, expect, it } from 'vitest';
import type { EventBus } from '../src/bus.ts';
import { createEvent, type DomainEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';

/** What the contract needs from an adapter under test, beyond the EventBus port itself. */
export interface BusHarness {
  bus: EventBus;
  /** Puts arbitrary text on the exchange, bypassing the event schema. */
  publishRaw(routingKey: string, body: string): Promise<void>;
  /** Messages dead-lettered so far for `consumer` (raw bodies). */
  deadLetters(consumer: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  prefetch: number;
  deliveryLimit: number;
}

const placed = () =>
  createEvent(
    'order.placed',
    {
      orderId: uuidv7(),
      customerId: 'c1',
      items: [{ productId: uuidv7(), name: 'Apple', unitPriceCents: 120, qty: 2 }],
      totalCents: 240,
      placedAt: new Date().toISOString(),
    },
    'test',
  );

async function until(check: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The behaviour every EventBus adapter must have; run against the in-memory and the RabbitMQ adapter. */
export function eventBusContract(name: string, make: (o: HarnessOptions) => Promise<BusHarness>) {
  describe(`EventBus contract: ${name}`, () => {
    let h: BusHarness | undefined;
    const open = async (o: Partial<HarnessOptions> = {}) => {
      h = await make({ prefetch: 8, deliveryLimit: 3, ...o });
      return h;
    };
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('delivers an event to every consumer bound to its type, and only to them', async () => {
      const { bus } = await open();
      const got: Record<string, DomainEvent[]> = { customer: [], products: [], shopping: [] };
      for (const consumer of ['customer', 'products', 'shopping'] as const) {
        await bus.consume(consumer, async (e) => {
          got[consumer]?.push(e);
        });
      }
      const event = placed();
      await bus.publish(event);
      const reserved = createEvent('stock.reserved', { orderId: event.data.orderId }, 'test');
      await bus.publish(reserved);
      await until(
        () => got.customer?.length === 1 && got.products?.length === 1 && got.shopping?.length === 1,
        10_000,
        'deliveries',
      );
      expect(got.customer).toEqual([event]);
      expect(got.products).toEqual([event]);
      expect(got.shopping).toEqual([reserved]); // order.placed is not bound to shopping
    });

    it('keeps events published before the consumer starts', async () => {
      const { bus } = await open();
      const events = [placed(), placed(), placed()];
      for (const e of events) await bus.publish(e);
      const got: string[] = [];
      await bus.consume('products', async (e) => {
        got.push(e.id);
      });
      await until(() => got.length === 3, 10_000, 'three deliveries');
      expect(got.sort()).toEqual(events.map((e) => e.id).sort());
    });

    it('redelivers an event whose handler failed, until it succeeds', async () => {
      const { bus } = await open();
      const event = placed();
      let attempts = 0;
      let done = false;
      await bus.consume('products', async () => {
        attempts++;
        if (attempts < 3) throw new Error('transient');
        done = true;
      });
      await bus.publish(event);
      await until(() => done, 15_000, 'success on the third attempt');
      expect(attempts).toBe(3);
    });

    it('dead-letters an event that keeps failing, after the delivery limit, and goes on', async () => {
      const limit = 3;
      const harness = await open({ deliveryLimit: limit });
      const poison = placed();
      const good = placed();
      let attempts = 0;
      const handled: string[] = [];
      const told: string[] = [];
      harness.bus.onDeadLetter((consumer, reason) => told.push(`${consumer}: ${reason}`));
      await harness.bus.consume('products', async (e) => {
        if (e.id === poison.id) {
          attempts++;
          throw new Error('always fails');
        }
        handled.push(e.id);
      });
      await harness.bus.publish(poison);
      await harness.bus.publish(good);
      // counted in the queue (the metric DeadLetterMessages) and told once (EventsDeadLettered)
      await until(async () => (await harness.bus.deadLettered('products')) === 1, 30_000, 'one dead letter counted');
      expect(told).toEqual(['products: delivery limit']);
      let dead: string[] = [];
      await until(
        async () => {
          dead = await harness.deadLetters('products');
          return dead.length > 0;
        },
        30_000,
        'the dead-letter queue',
      );
      expect(dead.map((d) => JSON.parse(d).id)).toEqual([poison.id]);
      expect(attempts).toBeGreaterThanOrEqual(limit);
      expect(attempts).toBeLessThanOrEqual(limit + 1);
      await until(() => handled.includes(good.id), 10_000, 'the good event');
    });

    it('dead-letters a malformed message at once; the consumer keeps going', async () => {
      const harness = await open();
      const seen: string[] = [];
      const told: string[] = [];
      harness.bus.onDeadLetter((consumer, reason) => told.push(`${consumer}: ${reason}`));
      await harness.bus.consume('products', async (e) => {
        seen.push(e.id);
      });
      await harness.publishRaw('order.placed', '{"id": "not json');
      await harness.publishRaw('order.placed', JSON.stringify({ ...placed(), data: { orderId: 'x' } }));
      const good = placed();
      await harness.bus.publish(good);
      await until(() => seen.includes(good.id), 10_000, 'the good event');
      let dead: string[] = [];
      await until(
        async () => {
          dead = [...dead, ...(await harness.deadLetters('products'))];
          return dead.length >= 2;
        },
        10_000,
        'two dead letters',
      );
      expect(dead.some((d) => d.startsWith('{"id": "not json'))).toBe(true);
      expect(seen).toEqual([good.id]);
      expect(told).toEqual(['products: malformed', 'products: malformed']);
    });

    it('runs at most `prefetch` handlers at once', async () => {
      const { bus } = await open({ prefetch: 2 });
      let active = 0;
      let peak = 0;
      let done = 0;
      await bus.consume('products', async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 50));
        active--;
        done++;
      });
      for (let i = 0; i < 8; i++) await bus.publish(placed());
      await until(() => done === 8, 15_000, 'eight deliveries');
      expect(peak).toBe(2);
    });

    it('stopConsuming waits for the handlers in flight and takes no more', async () => {
      const { bus } = await open({ prefetch: 1 });
      let finished = 0;
      let started = 0;
      await bus.consume('products', async () => {
        started++;
        await new Promise((r) => setTimeout(r, 200));
        finished++;
      });
      await bus.publish(placed());
      await bus.publish(placed());
      await until(() => started === 1, 10_000, 'the first delivery');
      await bus.stopConsuming();
      expect(finished).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(started).toBe(1);
    });
  });
}
