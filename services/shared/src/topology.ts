import type { EventType } from './events.ts';

/**
 * Who consumes what. Every service declares the whole topology when it connects, so a queue
 * exists before anyone publishes to it and no event is dropped as unroutable because its
 * consumer has not started yet.
 */
export const topology = {
  customer: ['order.placed', 'order.confirmed', 'order.rejected'],
  products: ['order.placed'],
  shopping: ['product.changed', 'stock.reserved', 'stock.rejected'],
} as const satisfies Record<string, readonly EventType[]>;

export type ConsumerName = keyof typeof topology;

/**
 * Deliveries of one message before it goes to the dead-letter queue. Part of the queue's
 * declaration (quorum queue `x-delivery-limit`), so it is one platform-wide value: a queue
 * declared twice with different arguments is refused by the broker.
 */
export const DELIVERY_LIMIT = 10;

export const queueName = (exchange: string, consumer: string) => `${exchange}.${consumer}`;
export const deadLetterQueueName = (exchange: string, consumer: string) => `${exchange}.${consumer}.dlq`;
