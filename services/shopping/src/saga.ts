import type { EventHandler } from '@platform/shared/bus';
import { createEvent } from '@platform/shared/events';
import type { OutboxRelay } from '@platform/shared/outbox';
import type { Outcome } from './domain.ts';
import type { Carts, CatalogProjection, Orders } from './ports.ts';

export class OrderNotFoundYet extends Error {
  override name = 'OrderNotFoundYet';
}

/**
 * Moves an order to its final status, once: the outcome is a fact inserted under the order's id,
 * so a duplicate or a late contradicting stock event finds it taken and changes nothing. The
 * `order.confirmed` / `order.rejected` event is written with it (outbox).
 */
export async function settleOrder(
  orders: Orders,
  carts: Carts,
  relay: OutboxRelay,
  orderId: string,
  status: Outcome['status'],
  reason?: string,
): Promise<void> {
  const order = await orders.get(orderId);
  // Stock events follow order.placed, which follows the order's insert; if the order is not there
  // (yet), throwing sends the event back for a later retry.
  if (!order) throw new OrderNotFoundYet(`order ${orderId} not found`);
  // A rejected order gives the customer their cart back. Before the outcome is recorded, so that a
  // crash in between repeats it (restoring is idempotent) rather than skips it; a duplicate of an
  // event already settled finds the outcome and leaves the cart alone.
  if (status === 'REJECTED') {
    if (await orders.outcome(orderId)) return;
    await carts.restore(order.customerId, order.items);
  }
  // A duplicate or a contradicting late reply finds the outcome taken: decide() answers `exists`.
  const event =
    status === 'CONFIRMED'
      ? createEvent(
          'order.confirmed',
          { orderId, customerId: order.customerId, totalCents: order.totalCents },
          'shopping',
        )
      : createEvent(
          'order.rejected',
          { orderId, customerId: order.customerId, reason: reason ?? 'REJECTED' },
          'shopping',
        );
  const outcome: Outcome = { orderId, status, at: new Date().toISOString(), ...(reason && { reason }) };
  if ((await orders.decide(outcome, [event])) === 'decided') {
    void relay.flush(orders.outcomeOutbox, { key: orderId, events: [event] });
  }
}

/** shopping's consumer: the catalog projection and the saga's stock replies. */
export function shoppingHandler(
  catalog: CatalogProjection,
  carts: Carts,
  orders: Orders,
  relay: OutboxRelay,
): EventHandler {
  return async (event) => {
    switch (event.type) {
      case 'product.changed':
        await catalog.record(event.data);
        return;
      case 'stock.reserved':
        return settleOrder(orders, carts, relay, event.data.orderId, 'CONFIRMED');
      case 'stock.rejected':
        return settleOrder(orders, carts, relay, event.data.orderId, 'REJECTED', event.data.reason);
      default:
        return;
    }
  };
}
