import { createEvent, type FinalOrderStatus } from '@platform/shared/events';
import type { Outcome } from './domain.ts';
import type { ShoppingStores } from './ports.ts';

export class OrderNotFoundYet extends Error {
  override name = 'OrderNotFoundYet';
}

/**
 * Moves an order to its final status, once: the outcome is a fact inserted under the order's id,
 * so a duplicate or a late contradicting stock event finds it taken and changes nothing. The
 * `order.confirmed` / `order.rejected` event is written with it.
 */
export async function settleOrder(
  stores: ShoppingStores,
  orderId: string,
  status: FinalOrderStatus,
  reason?: string,
): Promise<void> {
  const order = await stores.orders.get(orderId);
  // Stock events follow order.placed, which follows the order's insert; if the order is not there
  // (yet), throwing sends the event back for a later retry.
  if (!order) throw new OrderNotFoundYet(`order ${orderId} not found`);
  // A rejected order gives the customer their cart back. Before the outcome is recorded, so that a
  // crash in between repeats it (restoring is idempotent) rather than skips it; a duplicate of an
  // event already settled finds the outcome and leaves the cart alone.
  if (status === 'REJECTED') {
    if (await stores.orders.outcome(orderId)) return;
    await stores.carts.restore(order.customerId, order.items);
  }
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
  await stores.orders.decide(outcome, [event]);
}
