import { type Route, route } from '@platform/shared/api';
import type { BaseConfig } from '@platform/shared/config';
import { AppError, conflict, notFound, unavailable } from '@platform/shared/errors';
import { orderStatusSchema } from '@platform/shared/events';
import type { ServiceContext } from '@platform/shared/service';
import * as z from 'zod';
import { MAX_CART_LINES, MAX_QTY, viewOf } from './domain.ts';
import { placeOrder, pricedCart } from './place-order.ts';
import type { ShoppingDeps, ShoppingStores } from './ports.ts';

const productParams = z.strictObject({ productId: z.uuid({ message: 'must be a UUID' }) });
const orderParams = z.strictObject({ id: z.uuid({ message: 'must be a UUID' }) });
const qtyBody = z.strictObject({ qty: z.number().int().min(1).max(MAX_QTY) });
const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

const lineSchema = z.object({
  productId: z.string(),
  name: z.string(),
  unitPriceCents: z.number().int(),
  qty: z.number().int(),
});
const cartSchema = z.object({ items: z.array(lineSchema), totalCents: z.number().int() });
const orderSchema = z.object({
  orderId: z.string(),
  status: orderStatusSchema,
  totalCents: z.number().int(),
  items: z.array(lineSchema),
  placedAt: z.string(),
  updatedAt: z.string(),
});
const ORDER_LIST_LIMIT = 200;

export function shoppingRoutes({
  stores,
  deps,
  logger,
  metrics,
}: ServiceContext<BaseConfig, ShoppingStores, ShoppingDeps>): Route[] {
  deps.admission.start();
  return [
    route({
      method: 'get',
      path: '/cart',
      summary: 'The cart, priced with the current catalog',
      auth: 'user',
      responses: { 200: { description: 'Cart', schema: cartSchema } },
      handler: async (c, { user }) => c.json(await pricedCart(stores, await stores.carts.lines(user.id))),
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
        const product = await stores.catalog.latest(params.productId);
        if (!product) throw notFound('product');
        const lines = await stores.carts.set(user.id, params.productId, body.qty);
        if (lines === 'full') throw conflict(`a cart holds at most ${MAX_CART_LINES} products`);
        return c.json(await pricedCart(stores, lines, product));
      },
    }),
    route({
      method: 'delete',
      path: '/cart/items/:productId',
      summary: 'Take a product out of the cart (idempotent)',
      auth: 'user',
      params: productParams,
      responses: { 200: { description: 'Cart', schema: cartSchema } },
      handler: async (c, { user, params }) =>
        c.json(await pricedCart(stores, await stores.carts.remove(user.id, params.productId))),
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
        503: { description: 'More orders in progress than the saga finishes in time; retry after Retry-After' },
      },
      handler: async (c, { user, headers }) => {
        // Refused at once, before it costs anything, while the saga has more than it can finish in time.
        const waitSeconds = deps.admission.admit();
        if (waitSeconds > 0) throw unavailable('too many orders in progress; retry shortly', waitSeconds);
        let placed: Awaited<ReturnType<typeof placeOrder>> | undefined;
        try {
          placed = await placeOrder(stores, user.id, headers['idempotency-key'], { logger, metrics });
        } finally {
          // nothing entered the saga: it does not count as in flight
          if (typeof placed !== 'object' || placed.status !== 'PENDING') deps.admission.abandon();
        }
        if (placed === 'empty') throw conflict('the cart is empty');
        if (placed === 'key_reused') {
          throw new AppError(
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was already used for an order of other items; send a new key for a new order',
          );
        }
        return c.json(placed, 202);
      },
    }),
    route({
      method: 'get',
      path: '/orders',
      summary: 'The caller orders, newest first',
      auth: 'user',
      responses: { 200: { description: 'Orders', schema: z.array(orderSchema) } },
      handler: async (c, { user }) => {
        const orders = await stores.orders.listForCustomer(user.id, ORDER_LIST_LIMIT);
        const outcomes = await stores.orders.outcomes(orders.map((o) => o.orderId));
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
        const order = await stores.orders.get(params.id);
        if (!order || order.customerId !== user.id) throw notFound('order');
        return c.json(viewOf(order, await stores.orders.outcome(order.orderId)));
      },
    }),
  ];
}
