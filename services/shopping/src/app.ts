import { route } from '@platform/shared/api';
import type { Tokens } from '@platform/shared/auth';
import { AppError, conflict, notFound } from '@platform/shared/errors';
import { createEvent } from '@platform/shared/events';
import { createServiceApp, type HttpOptions, type ReadinessProbe } from '@platform/shared/http';
import { uuidv7 } from '@platform/shared/ids';
import type { Logger } from '@platform/shared/log';
import type { OutboxRelay } from '@platform/shared/outbox';
import * as z from 'zod';
import {
  type CartLine,
  type CatalogEntry,
  idempotencyKey,
  MAX_CART_LINES,
  type Order,
  orderIdForKey,
  orderParams,
  priceCart,
  productParams,
  qtyBody,
  sameItems,
  viewOf,
} from './domain.ts';
import type { Carts, CatalogProjection, Orders } from './ports.ts';

export interface ShoppingAppDeps {
  catalog: CatalogProjection;
  carts: Carts;
  orders: Orders;
  relay: OutboxRelay;
  tokens: Tokens;
  logger: Logger;
  http: HttpOptions;
  readiness: ReadinessProbe;
}

const lineSchema = z.object({
  productId: z.string(),
  name: z.string(),
  unitPriceCents: z.number().int(),
  qty: z.number().int(),
});
const cartSchema = z.object({ items: z.array(lineSchema), totalCents: z.number().int() });
const orderSchema = z.object({
  orderId: z.string(),
  status: z.enum(['PENDING', 'CONFIRMED', 'REJECTED']),
  totalCents: z.number().int(),
  items: z.array(lineSchema),
  placedAt: z.string(),
  updatedAt: z.string(),
});
const ORDER_LIST_LIMIT = 200;

export function createShoppingApp(d: ShoppingAppDeps) {
  /** Prices lines with the newest catalog versions (`known`: one just read, not read again). */
  const priced = async (lines: CartLine[], known?: CatalogEntry) => {
    const others = lines.filter((l) => l.productId !== known?.productId).map((l) => l.productId);
    const catalog = await d.catalog.latestMany(others);
    if (known) catalog.set(known.productId, known);
    return priceCart(lines, catalog);
  };

  const view = async (order: Order) => viewOf(order, await d.orders.outcome(order.orderId));

  /**
   * The order an Idempotency-Key names, when this request is a retry of the one that placed it:
   * the cart is empty by now (the order took it), or still holds those very items. A key reused
   * for a cart of other items is a mistake that would otherwise silently leave the cart unordered.
   */
  const retryOf = (earlier: Order, cart: CartLine[]): Order => {
    if (cart.length === 0 || sameItems(earlier.items, cart)) return earlier;
    throw new AppError(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used for an order of other items; send a new key for a new order',
    );
  };

  const routes = [
    route({
      method: 'get',
      path: '/cart',
      summary: 'The cart, priced with the current catalog',
      auth: 'user',
      responses: { 200: { description: 'Cart', schema: cartSchema } },
      handler: async (c, { user }) => c.json(await priced(await d.carts.lines(user.id))),
    }),
    route({
      method: 'put',
      path: '/cart/items/:productId',
      summary: 'Set the quantity of a product in the cart',
      auth: 'user',
      params: productParams,
      body: qtyBody,
      responses: {
        200: { description: 'Cart', schema: cartSchema },
        404: { description: 'Product not known (yet) to shopping' },
        409: { description: `Cart already has ${MAX_CART_LINES} lines` },
      },
      handler: async (c, { user, params, body }) => {
        const product = await d.catalog.latest(params.productId);
        if (!product) throw notFound('product');
        const lines = await d.carts.set(user.id, params.productId, body.qty);
        if (lines === 'full') throw conflict(`a cart holds at most ${MAX_CART_LINES} products`);
        return c.json(await priced(lines, product));
      },
    }),
    route({
      method: 'delete',
      path: '/cart/items/:productId',
      summary: 'Take a product out of the cart (idempotent)',
      auth: 'user',
      params: productParams,
      responses: { 200: { description: 'Cart', schema: cartSchema } },
      handler: async (c, { user, params }) => {
        return c.json(await priced(await d.carts.remove(user.id, params.productId)));
      },
    }),
    route({
      method: 'post',
      path: '/orders',
      summary: 'Turn the cart into an order (PENDING until stock is reserved); empties the cart',
      auth: 'user',
      headers: {
        'idempotency-key': { description: 'Same key, same order: a retry never orders twice', schema: idempotencyKey },
      },
      responses: {
        202: { description: 'Order accepted', schema: orderSchema },
        409: { description: 'The cart is empty' },
        422: { description: 'The Idempotency-Key was used for an order of other items' },
      },
      handler: async (c, { user, headers }) => {
        const key = headers['idempotency-key'];
        const orderId = key ? orderIdForKey(user.id, key) : uuidv7();
        const lines = await d.carts.lines(user.id);
        if (key) {
          const earlier = await d.orders.get(orderId);
          if (earlier) return c.json(await view(retryOf(earlier, lines)), 202);
        }
        const cart = await priced(lines);
        if (cart.items.length === 0) throw conflict('the cart is empty');
        const order: Order = {
          orderId,
          customerId: user.id,
          items: cart.items,
          totalCents: cart.totalCents,
          placedAt: new Date().toISOString(),
          ...(key && { idempotencyKey: key }),
        };
        const event = createEvent(
          'order.placed',
          { orderId, customerId: user.id, items: order.items, totalCents: order.totalCents, placedAt: order.placedAt },
          'shopping',
        );
        if ((await d.orders.place(order, [event])) === 'exists') {
          // the same key, a concurrent request: that one placed it
          return c.json(await view(retryOf((await d.orders.get(orderId)) as Order, lines)), 202);
        }
        // The order stands from here on: a cart that cannot be emptied right now is left as it
        // is (the customer sees it full) rather than failing a request whose order exists.
        const ordered = new Set(order.items.map((i) => i.productId));
        await d.carts
          .removeOrdered(
            user.id,
            lines.filter((l) => ordered.has(l.productId)),
          )
          .catch((err: unknown) => d.logger.warn('cart not emptied after an order', { orderId, err }));
        void d.relay.flush(d.orders.placedOutbox, { key: orderId, events: [event] });
        return c.json(viewOf(order, null), 202);
      },
    }),
    route({
      method: 'get',
      path: '/orders',
      summary: 'The caller orders, newest first',
      auth: 'user',
      responses: { 200: { description: 'Orders', schema: z.array(orderSchema) } },
      handler: async (c, { user }) => {
        const orders = await d.orders.listForCustomer(user.id, ORDER_LIST_LIMIT);
        const outcomes = await d.orders.outcomes(orders.map((o) => o.orderId));
        return c.json(orders.map((o) => viewOf(o, outcomes.get(o.orderId) ?? null)));
      },
    }),
    route({
      method: 'get',
      path: '/orders/:id',
      summary: 'One of the caller orders (another customer’s is 404)',
      auth: 'user',
      params: orderParams,
      responses: { 200: { description: 'Order', schema: orderSchema }, 404: { description: 'No such order of yours' } },
      handler: async (c, { user, params }) => {
        const order = await d.orders.get(params.id);
        if (!order || order.customerId !== user.id) throw notFound('order');
        return c.json(await view(order));
      },
    }),
  ];

  return createServiceApp({
    service: 'shopping',
    logger: d.logger,
    tokens: d.tokens,
    ...d.http,
    routes,
    readiness: d.readiness,
    info: {
      title: 'shopping',
      version: '1.0.0',
      description:
        'Cart and orders. Keeps a catalog projection from product.changed; POST /orders publishes order.placed, and stock.reserved / stock.rejected settle the order as CONFIRMED / REJECTED (order.confirmed / order.rejected).',
    },
  });
}
