import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError } from '../src/bus.ts';
import { MemoryBus } from '../src/bus-memory.ts';
import { createEvent } from '../src/events.ts';
import { uuidv7 } from '../src/ids.ts';
import { eventBusContract } from './bus.contract.ts';

eventBusContract('in-memory', async ({ prefetch, deliveryLimit }) => {
  const bus = new MemoryBus({ prefetch, deliveryLimit, retryBaseMs: 5 });
  return {
    bus,
    publishRaw: async (key, body) => bus.publishRaw(key, body),
    deadLetters: async (consumer) => bus.deadLetters(consumer),
    close: () => bus.close(),
  };
});

describe('MemoryBus', () => {
  it('rejects publishes while "disconnected", like a broker outage', async () => {
    const bus = new MemoryBus();
    bus.setConnected(false);
    await expect(bus.publish(createEvent('stock.reserved', { orderId: uuidv7() }, 't'))).rejects.toBeInstanceOf(
      BrokerUnavailableError,
    );
    expect(bus.isConnected()).toBe(false);
  });
});
