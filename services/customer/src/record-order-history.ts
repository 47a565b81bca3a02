import type { Envelope } from '@platform/shared/events';
import { placedOrder } from './domain.ts';
import type { OrderHistory } from './ports.ts';

/**
 * The order history, kept from the order events. Every write is a fact inserted once, so a
 * redelivered event changes nothing and the arrival order does not matter (see mergeHistory).
 */
export const recordPlaced = (history: OrderHistory, event: Envelope<'order.placed'>) =>
  history.recordPlaced(placedOrder(event.data));

export const recordConfirmed = (history: OrderHistory, event: Envelope<'order.confirmed'>) =>
  history.recordOutcome({
    orderId: event.data.orderId,
    customerId: event.data.customerId,
    status: 'CONFIRMED',
    totalCents: event.data.totalCents,
    at: event.occurredAt,
  });

export const recordRejected = (history: OrderHistory, event: Envelope<'order.rejected'>) =>
  history.recordOutcome({
    orderId: event.data.orderId,
    customerId: event.data.customerId,
    status: 'REJECTED',
    at: event.occurredAt,
  });
