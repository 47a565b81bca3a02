import type { EventHandler } from '@platform/shared/bus';
import { placedSummary } from './domain.ts';
import type { OrderHistory } from './ports.ts';

/** Keeps the order history from the order events; every write is idempotent, so redeliveries are harmless. */
export function orderHistoryHandler(history: OrderHistory): EventHandler {
  return async (event) => {
    switch (event.type) {
      case 'order.placed':
        return history.recordPlaced(placedSummary(event.data));
      case 'order.confirmed':
        return history.recordOutcome({
          orderId: event.data.orderId,
          customerId: event.data.customerId,
          status: 'CONFIRMED',
          totalCents: event.data.totalCents,
          at: event.occurredAt,
        });
      case 'order.rejected':
        return history.recordOutcome({
          orderId: event.data.orderId,
          customerId: event.data.customerId,
          status: 'REJECTED',
          at: event.occurredAt,
        });
      default:
        return; // bound to other consumers; nothing to do here
    }
  };
}
