import { createEvent, type EventData } from '@platform/shared/events';
import { byCodeUnits } from '@platform/shared/ids';
import type { Decision, ReservationLine, Reservations } from './ports.ts';
import type { StockKeeper } from './stock-keeper.ts';

/** Lines with one entry per product (quantities added up), in a fixed order. */
export function normaliseLines(items: Array<{ productId: string; qty: number }>): ReservationLine[] {
  const qty = new Map<string, number>();
  for (const item of items) qty.set(item.productId, (qty.get(item.productId) ?? 0) + item.qty);
  return [...qty]
    .map(([productId, q]) => ({ productId, qty: q }))
    .sort((a, b) => byCodeUnits(a.productId, b.productId));
}

/**
 * Reserves an order's stock: all lines or none, exactly once per order, never below zero, without
 * transactions.
 *
 * 1. A decision already stored for the order: finish it (below) and stop. Redeliveries end here.
 * 2. Reserve line by line (`<order>:<product>:reserve` moves); stop at the first line short of stock.
 * 3. Store the decision, RESERVED or REJECTED, with its event, unless one exists (a concurrent
 *    duplicate may have decided first: its decision counts).
 * 4. Finish: a REJECTED order gives back every line it took (`:release` moves, once each). Every
 *    path runs this after deciding, so whatever a duplicate took meanwhile is given back too.
 *
 * A crash anywhere leaves the message unacknowledged; its redelivery resumes from the ledger and
 * the decision, which are the whole state.
 */
export async function reserveStock(
  stock: StockKeeper,
  reservations: Reservations,
  order: EventData<'order.placed'>,
): Promise<Decision> {
  const existing = await reservations.get(order.orderId);
  if (existing) {
    await finish(stock, existing);
    return existing;
  }
  const lines = normaliseLines(order.items);
  const missing: string[] = [];
  for (const line of lines) {
    const result = await stock.move(
      line.productId,
      stock.reserveKey(order.orderId, line.productId),
      (s) => (s >= line.qty ? s - line.qty : 'insufficient'),
      { orderId: order.orderId },
    );
    if (result === 'insufficient' || result === 'unknown') {
      missing.push(line.productId);
      break;
    }
  }
  const outcome = missing.length === 0 ? 'RESERVED' : 'REJECTED';
  const event =
    outcome === 'RESERVED'
      ? createEvent('stock.reserved', { orderId: order.orderId }, 'products')
      : createEvent(
          'stock.rejected',
          { orderId: order.orderId, reason: 'OUT_OF_STOCK', productIds: missing },
          'products',
        );
  const decision = await reservations.decide(
    { orderId: order.orderId, outcome, lines, missing, decidedAt: new Date().toISOString() },
    [event],
  );
  await finish(stock, decision);
  return decision;
}

async function finish(stock: StockKeeper, decision: Decision): Promise<void> {
  if (decision.outcome !== 'REJECTED') return;
  for (const line of decision.lines) await stock.release(decision.orderId, line.productId);
}
