import amqp from 'amqplib';
import { describe, expect, it } from 'vitest';
import { backends, restartBroker, uniqueName } from '../../../test/helpers.ts';
import { BrokerUnavailableError } from '../src/bus.ts';
import { AmqpBus } from '../src/bus-amqp.ts';
import { createEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { createLogger, silentLogger } from '../src/log.ts';
import { deadLetterQueueName, queueName, registeredTopology } from '../src/topology.ts';
import { eventBusContract } from './bus.contract.ts';

/** A plain connection for the test's own checks; a fresh one each time, since the broker restarts. */
async function withChannel<T>(use: (ch: amqp.Channel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(backends().amqpUrl);
  connection.on('error', () => {});
  try {
    const ch = await connection.createChannel();
    ch.on('error', () => {});
    return await use(ch);
  } finally {
    await connection.close().catch(() => {});
  }
}

/** Deletes a test exchange with its queues. */
const dropTopology = (exchange: string) =>
  withChannel(async (ch) => {
    for (const consumer of Object.keys(registeredTopology)) {
      await ch.deleteQueue(queueName(exchange, consumer));
      await ch.deleteQueue(deadLetterQueueName(exchange, consumer));
    }
    await ch.deleteExchange(exchange);
  });

async function openBus(o: { prefetch: number; deliveryLimit: number }) {
  const exchange = uniqueName('test.events');
  const bus = new AmqpBus({
    url: backends().amqpUrl,
    exchange,
    logger: process.env.DEBUG_BUS ? createLogger({ level: 'debug' }) : silentLogger,
    retryBaseMs: 5,
    ...o,
  });
  await bus.start();
  await bus.waitUntilConnected(15_000);
  return { bus, exchange };
}

eventBusContract('RabbitMQ (amqplib)', async (o) => {
  const { bus, exchange } = await openBus(o);
  const admin = await amqp.connect(backends().amqpUrl);
  const ch = await admin.createChannel();
  return {
    bus,
    publishRaw: async (key, body) => {
      ch.publish(exchange, key, Buffer.from(body), { persistent: true });
    },
    deadLetters: async (consumer) => {
      const bodies: string[] = [];
      for (;;) {
        const msg = await ch.get(deadLetterQueueName(exchange, consumer), { noAck: true });
        if (!msg) return bodies;
        bodies.push(msg.content.toString());
      }
    },
    close: async () => {
      await bus.close();
      await admin.close();
      await dropTopology(exchange);
    },
  };
});

const placed = () =>
  createEvent(
    'order.placed',
    {
      orderId: uuidv7(),
      customerId: 'c1',
      items: [{ productId: uuidv7(), name: 'Pear', unitPriceCents: 99, qty: 1 }],
      totalCents: 99,
      placedAt: new Date().toISOString(),
    },
    'test',
  );

async function until(check: () => boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('RabbitMQ adapter against a restarting broker', () => {
  it('declares durable quorum queues with a dead-letter queue and a delivery limit', async () => {
    const { bus, exchange } = await openBus({ prefetch: 4, deliveryLimit: 3 });
    const queue = queueName(exchange, 'products');
    const same = { 'x-queue-type': 'quorum', 'x-delivery-limit': 3, 'x-dead-letter-exchange': '' };
    // Re-declaring with the same arguments succeeds; with other ones it is refused, which proves
    // the queue really is a quorum queue with this limit and dead-letter target.
    await withChannel((ch) =>
      ch.assertQueue(queue, { durable: true, arguments: { ...same, 'x-dead-letter-routing-key': `${queue}.dlq` } }),
    );
    for (const other of [{ 'x-queue-type': 'classic' }, { ...same, 'x-delivery-limit': 4 }]) {
      await expect(withChannel((ch) => ch.assertQueue(queue, { durable: true, arguments: other }))).rejects.toThrow(
        /PRECONDITION_FAILED|inequivalent/,
      );
    }
    await bus.close();
    await dropTopology(exchange);
  });

  it('keeps confirmed messages across a broker crash and reconnects by itself', async () => {
    const { bus, exchange } = await openBus({ prefetch: 4, deliveryLimit: 3 });
    const before = [placed(), placed()];
    for (const e of before) await bus.publish(e); // resolved = confirmed by the broker

    await restartBroker({ hard: true });
    await bus.waitUntilConnected(30_000);

    const after = placed();
    await bus.publish(after);
    const got: string[] = [];
    await bus.consume('products', async (e) => {
      got.push(e.id);
    });
    await until(() => got.length >= 3, 20_000, 'all three events');
    expect([...new Set(got)].sort()).toEqual([...before, after].map((e) => e.id).sort());
    await bus.close();
    await dropTopology(exchange);
  });

  it('rejects publishes while the broker is down, and recovers consumers afterwards', async () => {
    const { bus, exchange } = await openBus({ prefetch: 4, deliveryLimit: 3 });
    const got: string[] = [];
    await bus.consume('customer', async (e) => {
      got.push(e.id);
    });
    const first = placed();
    await bus.publish(first);
    await until(() => got.includes(first.id), 10_000, 'the first event');

    const restarting = restartBroker({ hard: false, downMs: 1_500 });
    await until(() => !bus.isConnected(), 15_000, 'the disconnect');
    await expect(bus.publish(placed())).rejects.toBeInstanceOf(BrokerUnavailableError);
    await restarting;
    await bus.waitUntilConnected(30_000);

    const second = placed();
    await bus.publish(second);
    await until(() => got.includes(second.id), 20_000, 'delivery after the restart');
    await bus.close();
    await dropTopology(exchange);
  });

  it('redelivers a message whose handler was running when the connection dropped (no loss)', async () => {
    const { bus, exchange } = await openBus({ prefetch: 1, deliveryLimit: 5 });
    const event = placed();
    let deliveries = 0;
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    await bus.consume('products', async () => {
      deliveries++;
      if (deliveries === 1) await blocked; // still working when the broker goes away
    });
    await bus.publish(event);
    await until(() => deliveries === 1, 10_000, 'the first delivery');
    await restartBroker({ hard: true });
    release(); // its ack goes to a dead channel and is dropped
    await bus.waitUntilConnected(30_000);
    await until(() => deliveries >= 2, 20_000, 'the redelivery');
    await bus.close();
    await dropTopology(exchange);
  });
});
