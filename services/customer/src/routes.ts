import { type Route, route } from '@platform/shared/api';
import type { BaseConfig } from '@platform/shared/config';
import { conflict, notFound, tooManyRequests, unauthorized } from '@platform/shared/errors';
import { orderStatusSchema } from '@platform/shared/events';
import { clientAddressOf } from '@platform/shared/http';
import { uuidv7 } from '@platform/shared/ids';
import { text } from '@platform/shared/schemas';
import type { ServiceContext } from '@platform/shared/service';
import * as z from 'zod';
import { MAX_ADDRESSES, MAX_WISHLIST, publicProfile } from './domain.ts';
import { logIn } from './log-in.ts';
import { passwordProblem } from './password-policy.ts';
import type { CustomerDeps, CustomerStores } from './ports.ts';
import { signUp } from './sign-up.ts';

/**
 * One plain pattern, the same in the published schema and here (zod's email check and JSON
 * Schema's `format: email` disagree at the edges). Case is folded after validation: the address
 * is stored and compared in lower case.
 */
const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,63}$/;
const email = z
  .string()
  .max(254)
  .regex(EMAIL, 'must be an email address such as ann@example.com')
  .transform((s) => s.toLowerCase());

/** Any Unicode text but unpaired surrogates (not text at all; NFKC would mangle them). */
const passwordText = z
  .string()
  .max(256)
  .refine((s) => s.isWellFormed(), 'must be valid Unicode text');

const signupBody = z
  .strictObject({
    email,
    password: passwordText.min(8, 'must be at least 8 characters'),
    phone: z
      .string()
      .regex(/^\+?[0-9][0-9 ()-]{4,24}$/, 'must be a phone number such as +49 30 1234567')
      .optional(),
  })
  .superRefine((body, ctx) => {
    if (body.password.length < 8) return; // said by the field's own rule
    const problem = passwordProblem(body.password, body.email);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });

const loginBody = z.strictObject({
  email: z
    .string()
    .max(254)
    .transform((s) => s.trim().toLowerCase()),
  password: passwordText,
});

const addressBody = z.strictObject({
  street: text(200),
  postalCode: text(20),
  city: text(100),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'must be a two-letter country code (ISO 3166-1 alpha-2)')
    .transform((s) => s.toUpperCase()),
});

const productIdParams = z.strictObject({ productId: z.uuid({ message: 'must be a UUID' }) });

const addressSchema = z.object({
  id: z.string(),
  street: z.string(),
  postalCode: z.string(),
  city: z.string(),
  country: z.string(),
});
const profileSchema = z.object({
  id: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  role: z.enum(['customer', 'admin']),
  addresses: z.array(addressSchema),
  wishlist: z.array(z.string()),
});
const orderSummarySchema = z.object({
  orderId: z.string(),
  status: orderStatusSchema,
  totalCents: z.number().int(),
  items: z.array(
    z.object({ productId: z.string(), name: z.string(), unitPriceCents: z.number().int(), qty: z.number().int() }),
  ),
  placedAt: z.string(),
  updatedAt: z.string(),
});

export function customerRoutes({
  stores,
  deps,
  config,
  tokens,
  http,
}: ServiceContext<BaseConfig, CustomerStores, CustomerDeps>): Route[] {
  const addressOf = (c: Parameters<typeof clientAddressOf>[0]) => clientAddressOf(c, http.trustedProxyHops);
  const loadCustomer = async (id: string) => {
    const customer = await stores.customers.findById(id);
    if (!customer) throw notFound('customer');
    return customer;
  };

  return [
    route({
      method: 'post',
      path: '/signup',
      summary: 'Create an account; answers with a token',
      slow: true,
      body: signupBody,
      responses: {
        201: {
          description: 'Account created',
          schema: z.object({ id: z.string(), email: z.string(), token: z.string() }),
        },
        409: { description: 'Email already registered' },
        429: { description: 'Too many accounts created from this address; retry after Retry-After seconds' },
      },
      handler: async (c, { body }) => {
        const waitMs = deps.guard.signupWaitMs(addressOf(c));
        if (waitMs > 0)
          throw tooManyRequests('too many accounts created from your address; retry later', waitMs / 1000);
        const customer = await signUp(stores, deps, config.ADMIN_EMAILS, body);
        if (customer === 'email_taken') throw conflict('email already registered');
        const token = await tokens.issue(customer);
        return c.json({ id: customer.id, email: customer.email, token }, 201);
      },
    }),
    route({
      method: 'post',
      path: '/login',
      summary: 'Exchange email and password for a token',
      slow: true,
      body: loginBody,
      responses: {
        200: { description: 'Token issued', schema: z.object({ token: z.string() }) },
        401: { description: 'Wrong email or password (the same answer for both)' },
        429: { description: 'Too many failed attempts; retry after Retry-After seconds' },
      },
      handler: async (c, { body }) => {
        const result = await logIn(stores, deps, config.ADMIN_EMAILS, { ...body, address: addressOf(c) });
        if (result === 'invalid') throw unauthorized('invalid email or password');
        if ('throttledMs' in result)
          throw tooManyRequests('too many failed sign-ins; retry later', result.throttledMs / 1000);
        return c.json({ token: await tokens.issue(result) });
      },
    }),
    route({
      method: 'get',
      path: '/profile',
      summary: 'The caller profile',
      auth: 'user',
      responses: { 200: { description: 'Profile', schema: profileSchema }, 404: { description: 'No such customer' } },
      handler: async (c, { user }) => c.json(publicProfile(await loadCustomer(user.id))),
    }),
    route({
      method: 'post',
      path: '/addresses',
      summary: 'Add an address',
      auth: 'user',
      body: addressBody,
      responses: {
        201: { description: 'Address added', schema: addressSchema },
        404: { description: 'No such customer' },
        409: { description: `Already ${MAX_ADDRESSES} addresses` },
      },
      handler: async (c, { user, body }) => {
        const address = { id: uuidv7(), ...body };
        const result = await stores.customers.addAddress(user.id, address, MAX_ADDRESSES);
        if (result === 'not_found') throw notFound('customer');
        if (result === 'limit') throw conflict(`at most ${MAX_ADDRESSES} addresses`);
        return c.json(address, 201);
      },
    }),
    route({
      method: 'get',
      path: '/wishlist',
      summary: 'Product ids on the wishlist',
      auth: 'user',
      responses: {
        200: { description: 'Wishlist', schema: z.array(z.string()) },
        404: { description: 'No such customer' },
      },
      handler: async (c, { user }) => c.json((await loadCustomer(user.id)).wishlist),
    }),
    route({
      method: 'put',
      path: '/wishlist/:productId',
      summary: 'Put a product on the wishlist (idempotent)',
      auth: 'user',
      params: productIdParams,
      responses: {
        204: { description: 'On the wishlist' },
        404: { description: 'No such customer' },
        409: { description: `Already ${MAX_WISHLIST} products` },
      },
      handler: async (c, { user, params }) => {
        const result = await stores.customers.addToWishlist(user.id, params.productId, MAX_WISHLIST);
        if (result === 'not_found') throw notFound('customer');
        if (result === 'limit') throw conflict(`at most ${MAX_WISHLIST} products on the wishlist`);
        return c.body(null, 204);
      },
    }),
    route({
      method: 'delete',
      path: '/wishlist/:productId',
      summary: 'Take a product off the wishlist (idempotent)',
      auth: 'user',
      params: productIdParams,
      responses: { 204: { description: 'Not on the wishlist' }, 404: { description: 'No such customer' } },
      handler: async (c, { user, params }) => {
        if ((await stores.customers.removeFromWishlist(user.id, params.productId)) === 'not_found')
          throw notFound('customer');
        return c.body(null, 204);
      },
    }),
    route({
      method: 'get',
      path: '/orders',
      summary: 'Order history with the current status of each order, newest first',
      auth: 'user',
      responses: { 200: { description: 'Orders', schema: z.array(orderSummarySchema) } },
      handler: async (c, { user }) => {
        const orders = await stores.history.listForCustomer(user.id);
        return c.json(orders.map(({ customerId: _, ...o }) => o));
      },
    }),
  ];
}
