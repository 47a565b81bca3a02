import { createEvent, type EventData, type FinalOrderStatus } from '@platform/shared/events';
import type { Order, Outcome } from './domain.ts';
import type { ShoppingStores } from './ports.ts';

export class OrderNotFoundYet extends Error {
  override name = 'OrderNotFoundYet';
}

/** What a stock reply tells about its order (products repeats it from order.placed). */
type StockReply = EventData<'stock.reserved'>;

/**
 * Moves an order to its final status, once: the outcome is a fact inserted under the order's id,
 * so a duplicate or a late contradicting stock event finds it taken and changes nothing. The
 * `order.confirmed` / `order.rejected` event is written with it. A confirmation settles from what
 * the reply repeats of the order, without reading it; a rejection reads it, to give the customer
 * their cart back. Answers the order's placing time, when known, for the admission control, and
 * whether this call decided the order (not a duplicate).
 */
export async function settleOrder(
  stores: ShoppingStores,
  reply: StockReply,
  status: FinalOrderStatus,
  reason?: string,
): Promise<{ placedAt?: string | undefined; decided: boolean }> {
  const { orderId } = reply;
  let customerId = reply.customerId;
  let totalCents = reply.totalCents;
  let placedAt = reply.placedAt;
  if (status === 'REJECTED' || customerId === undefined || totalCents === undefined) {
    const order = await stores.orders.get(orderId);
    // Stock events follow order.placed, which follows the order's insert; if the order is not
    // there (yet), throwing sends the event back for a later retry.
    if (!order) throw new OrderNotFoundYet(`order ${orderId} not found`);
    ({ customerId, totalCents, placedAt } = order);
    // A rejected order gives the customer their cart back. Before the outcome is recorded, so that
    // a crash in between repeats it (restoring is idempotent) rather than skips it; a duplicate of
    // an event already settled finds the outcome and leaves the cart alone.
    if (status === 'REJECTED') {
      if (await stores.orders.outcome(orderId)) return { placedAt, decided: false };
      await stores.carts.restore(order.customerId, (order as Order).items);
    }
  }
  const event =
    status === 'CONFIRMED'
      ? createEvent('order.confirmed', { orderId, customerId, totalCents }, 'shopping')
      : createEvent('order.rejected', { orderId, customerId, reason: reason ?? 'REJECTED' }, 'shopping');
  const outcome: Outcome = { orderId, status, at: new Date().toISOString(), ...(reason && { reason }) };
  const decided = (await stores.orders.decide(outcome, [event])) === 'decided';
  return { placedAt, decided };
}
