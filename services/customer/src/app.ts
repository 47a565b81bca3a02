import { route } from '@platform/shared/api';
import type { Tokens } from '@platform/shared/auth';
import { conflict, notFound, tooManyRequests, unauthorized } from '@platform/shared/errors';
import { clientAddressOf, createServiceApp, type HttpOptions, type ReadinessProbe } from '@platform/shared/http';
import { uuidv7 } from '@platform/shared/ids';
import type { Logger } from '@platform/shared/log';
import * as z from 'zod';
import {
  addressBody,
  type Customer,
  loginBody,
  MAX_ADDRESSES,
  MAX_WISHLIST,
  productIdParams,
  publicProfile,
  roleFor,
  signupBody,
} from './domain.ts';
import { LoginGuard } from './login-guard.ts';
import { PasswordHasher } from './passwords.ts';
import type { CustomerStore, OrderHistory } from './ports.ts';

export interface CustomerAppDeps {
  store: CustomerStore;
  history: OrderHistory;
  tokens: Tokens;
  logger: Logger;
  adminEmails: readonly string[];
  http: HttpOptions;
  readiness: ReadinessProbe;
  /** Tests use cheaper parameters; production keeps the OWASP default. */
  hasher?: PasswordHasher;
  guard?: LoginGuard;
}

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
  status: z.enum(['PENDING', 'CONFIRMED', 'REJECTED']),
  totalCents: z.number().int(),
  items: z.array(
    z.object({ productId: z.string(), name: z.string(), unitPriceCents: z.number().int(), qty: z.number().int() }),
  ),
  placedAt: z.string(),
  updatedAt: z.string(),
});

export function createCustomerApp(d: CustomerAppDeps) {
  const hasher = d.hasher ?? new PasswordHasher();
  const guard = d.guard ?? new LoginGuard();
  const addressOf = (c: Parameters<typeof clientAddressOf>[0]) => clientAddressOf(c, d.http.trustedProxyHops);
  const loadCustomer = async (id: string) => {
    const customer = await d.store.findById(id);
    if (!customer) throw notFound('customer');
    return customer;
  };

  const routes = [
    route({
      method: 'post',
      path: '/signup',
      summary: 'Create an account; answers with a token',
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
        const waitMs = guard.signupWaitMs(addressOf(c));
        if (waitMs > 0)
          throw tooManyRequests('too many accounts created from your address; retry later', waitMs / 1000);
        const customer: Customer = {
          id: uuidv7(),
          email: body.email,
          passwordHash: await hasher.hash(body.password),
          phone: body.phone ?? null,
          role: roleFor(body.email, d.adminEmails),
          addresses: [],
          wishlist: [],
          createdAt: new Date().toISOString(),
        };
        if ((await d.store.create(customer)) === 'email_taken') throw conflict('email already registered');
        const token = await d.tokens.issue(customer);
        return c.json({ id: customer.id, email: customer.email, token }, 201);
      },
    }),
    route({
      method: 'post',
      path: '/login',
      summary: 'Exchange email and password for a token',
      body: loginBody,
      responses: {
        200: { description: 'Token issued', schema: z.object({ token: z.string() }) },
        401: { description: 'Wrong email or password (the same answer for both)' },
        429: { description: 'Too many failed attempts; retry after Retry-After seconds' },
      },
      handler: async (c, { body }) => {
        const address = addressOf(c);
        const waitMs = guard.begin(body.email, address);
        if (waitMs > 0) throw tooManyRequests('too many failed sign-ins; retry later', waitMs / 1000);
        let customer: Customer | null;
        let ok: boolean;
        try {
          customer = await d.store.findByEmail(body.email);
          // An unknown email waits as long as a password check would, so timing tells nothing.
          if (customer) ok = await hasher.verify(body.password, customer.passwordHash);
          else {
            await hasher.decoy();
            ok = false;
          }
        } catch (err) {
          guard.abandoned(body.email, address);
          throw err;
        }
        if (!customer || !ok) {
          guard.failed(body.email, address);
          throw unauthorized('invalid email or password');
        }
        guard.succeeded(body.email, address);
        const role = roleFor(customer.email, d.adminEmails);
        if (role !== customer.role) await d.store.setRole(customer.id, role);
        return c.json({ token: await d.tokens.issue({ ...customer, role }) });
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
        const result = await d.store.addAddress(user.id, address, MAX_ADDRESSES);
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
        const result = await d.store.addToWishlist(user.id, params.productId, MAX_WISHLIST);
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
        if ((await d.store.removeFromWishlist(user.id, params.productId)) === 'not_found') throw notFound('customer');
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
        const orders = await d.history.listForCustomer(user.id);
        return c.json(orders.map(({ customerId: _, ...o }) => o));
      },
    }),
  ];

  return createServiceApp({
    service: 'customer',
    logger: d.logger,
    tokens: d.tokens,
    ...d.http,
    routes,
    readiness: d.readiness,
    info: {
      title: 'customer',
      version: '1.0.0',
      description: 'Accounts, tokens, addresses, wishlist and the order history kept from order events.',
    },
  });
}
