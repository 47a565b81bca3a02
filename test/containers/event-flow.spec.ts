/**
 * The order saga across the three service images, RabbitMQ and the MongoDB-compatible server, all
 * as containers started by Testcontainers on a network of their own; each service container runs
 * as the ECS task definition runs it (read-only root filesystem, /tmp in memory, uid 65532,
 * 0.25 vCPU, 512 MB) and is reached through its mapped port. Then things break: the broker
 * container restarts while orders are placed, and a service container is killed (SIGKILL) with
 * orders in flight. After each, every order reaches its final status once, stock adds up exactly
 * (nothing applied twice) and each customer's history lists each order once (nothing lost).
 */
import { GenericContainer, Network, type StartedNetwork, type StartedTestContainer, Wait } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serviceNames } from '../../scripts/lib/services.ts';
import { createTokens } from '../../services/shared/src/auth.ts';
import { uuidv7 } from '../../services/shared/src/ids.ts';
import { eventually } from '../eventually.ts';
import { type Json, request, TEST_JWT_SECRET } from '../processes.ts';
import { electQuorumLeaders, serverImages } from '../servers.ts';

/** The saga's services: this suite drives their flow by name. */
const SERVICES = ['customer', 'products', 'shopping'] as const;
type Service = (typeof SERVICES)[number];
const missing = SERVICES.filter((s) => !serviceNames().includes(s));
if (missing.length > 0) throw new Error(`this suite drives the order saga, which needs ${missing.join(', ')}`);

/** A container run as the ECS task definition runs the services (infra/terraform/modules/ecs). */
class TaskContainer extends GenericContainer {
  asTask(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this.withUser('65532:65532')
      .withTmpFs({ '/tmp': 'rw,size=64m' })
      .withResourcesQuota({ memory: 0.5, cpu: 0.25 });
  }
}

let network: StartedNetwork;
let broker: StartedTestContainer;
let database: StartedTestContainer;
const services = {} as Record<Service, StartedTestContainer>;
let admin: string;

const url = (service: Service) => `http://${services[service].getHost()}:${services[service].getMappedPort(8080)}`;

beforeAll(async () => {
  const images = serverImages();
  const serviceImages = inject('serviceImages');
  const started = Date.now();
  network = await new Network().start();
  [broker, database] = await Promise.all([
    new GenericContainer(images.rabbitmq)
      .withNetwork(network)
      .withNetworkAliases('rabbitmq')
      .withExposedPorts(5672)
      .withWaitStrategy(Wait.forLogMessage('Server startup complete'))
      .withStartupTimeout(120_000)
      .start(),
    new GenericContainer(images.mongo)
      .withNetwork(network)
      .withNetworkAliases('mongo')
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start(),
  ]);
  const running = await Promise.all(
    SERVICES.map((service) =>
      new TaskContainer(serviceImages[service] as string)
        .asTask()
        .withNetwork(network)
        .withNetworkAliases(service)
        .withEnvironment({
          SERVICE_NAME: service,
          MONGO_URL: `mongodb://mongo:27017/${service}`,
          AMQP_URL: 'amqp://guest:guest@rabbitmq:5672',
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_MS: '200',
          OUTBOX_SCAN_MS: '1000',
          // the buyers are different people behind one proxy, as behind the load balancer: each
          // says its address (newBuyer), or the sign-up cap per address stops the tenth
          TRUSTED_PROXY_HOPS: '1',
        })
        .withExposedPorts(8080)
        // the image has no shell: readiness is asked over HTTP from outside
        .withWaitStrategy(Wait.forHttp(`/${service}/ready`, 8080).forStatusCode(200))
        .withStartupTimeout(120_000)
        .start(),
    ),
  );
  SERVICES.forEach((service, i) => {
    services[service] = running[i] as StartedTestContainer;
  });
  admin = await (await createTokens(TEST_JWT_SECRET, 3600)).issue({
    id: uuidv7(),
    email: 'flow-admin@example.com',
    role: 'admin',
  });
  process.stdout.write(`[event flow] broker, database and three services up in ${Date.now() - started} ms\n`);
});

afterAll(async () => {
  await Promise.all(Object.values(services).map((c) => c.stop()));
  await Promise.all([broker?.stop(), database?.stop()]);
  await network?.stop();
});

async function newProduct(stock: number) {
  const res = await request(url('products'), 'POST', '/products', {
    token: admin,
    body: { name: `Item ${uuidv7().slice(-6)}`, category: 'flow', unit: 'piece', priceCents: 250, stock },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

let buyers = 0;
async function newBuyer() {
  buyers++;
  const res = await request(url('customer'), 'POST', '/customer/signup', {
    body: { email: `${uuidv7()}@example.com`, password: 'buyer password' },
    headers: { 'x-forwarded-for': `198.51.100.${buyers % 250}` }, // TEST-NET-2
  });
  expect(res.status).toBe(201);
  return { token: res.body.token as string };
}

type Buyer = Awaited<ReturnType<typeof newBuyer>>;
type Placed = { token: string; orderId: string };

/** Fills the cart (waiting for shopping to learn the product from its event) and orders. */
async function order(buyer: Buyer, productId: string, qty: number): Promise<Placed> {
  await eventually(
    async () =>
      (
        await request(url('shopping'), 'PUT', `/shopping/cart/items/${productId}`, {
          token: buyer.token,
          body: { qty },
        })
      ).status === 200,
    60_000,
    'product known to shopping',
  );
  // As a careful client: one Idempotency-Key, and a 503 with Retry-After (shopping refuses new
  // orders at once while the saga cannot settle them in time, e.g. with products down) retried
  // when it says
  const key = uuidv7();
  for (let attempt = 1; ; attempt++) {
    const res = await request(url('shopping'), 'POST', '/shopping/orders', {
      token: buyer.token,
      headers: { 'idempotency-key': key },
    });
    if (res.status === 503 && res.retryAfter !== undefined && attempt < 60) {
      await new Promise((r) => setTimeout(r, Math.min(res.retryAfter ?? 1, 2) * 1000));
      continue;
    }
    expect(res.status).toBe(202);
    return { token: buyer.token, orderId: res.body.orderId };
  }
}

async function finalStatuses(placed: Placed[]) {
  return eventually(
    async () => {
      const statuses = await Promise.all(
        placed.map(
          async (o) =>
            (await request(url('shopping'), 'GET', `/shopping/orders/${o.orderId}`, { token: o.token })).body
              ?.status as string,
        ),
      );
      return statuses.every((s) => s === 'CONFIRMED' || s === 'REJECTED') ? statuses : undefined;
    },
    90_000,
    'every order final',
  );
}

const stockOf = async (productId: string) =>
  (await request(url('products'), 'GET', `/products/${productId}`)).body.stock as number;

/** The buyer's order history in customer: order id -> status, each order listed once. */
async function history(buyer: Buyer) {
  const list = (await request(url('customer'), 'GET', '/customer/orders', { token: buyer.token })).body as Json[];
  const ids = list.map((o) => o.orderId as string);
  expect(new Set(ids).size).toBe(ids.length);
  return Object.fromEntries(list.map((o) => [o.orderId, o.status]));
}

/** Waits until each buyer's history shows exactly their orders, each with its final status. */
async function expectHistories(placed: Placed[], statuses: string[]) {
  const expected = new Map<string, Record<string, string>>();
  placed.forEach((o, i) => {
    expected.set(o.token, { ...expected.get(o.token), [o.orderId]: statuses[i] as string });
  });
  for (const [token, orders] of expected) {
    const same = (a: Record<string, string>) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(orders));
    await eventually(async () => same(await history({ token })), 60_000, 'customer history complete');
  }
}
const sorted = (o: Record<string, string>) => Object.entries(o).sort(([a], [b]) => a.localeCompare(b));

describe('the order saga across containers', () => {
  it('an order is CONFIRMED: stock taken once, the customer history says so', async () => {
    const productId = await newProduct(5);
    const buyer = await newBuyer();
    const placed = await order(buyer, productId, 2);
    expect(await finalStatuses([placed])).toEqual(['CONFIRMED']);
    expect(await stockOf(productId)).toBe(3);
    await expectHistories([placed], ['CONFIRMED']);
  });

  it('out of stock: REJECTED, stock unchanged', async () => {
    const productId = await newProduct(1);
    const buyer = await newBuyer();
    const placed = await order(buyer, productId, 2);
    expect(await finalStatuses([placed])).toEqual(['REJECTED']);
    expect(await stockOf(productId)).toBe(1);
    await expectHistories([placed], ['REJECTED']);
  });

  it('concurrent buyers, fewer items than buyers: exactly as many CONFIRMED as in stock', async () => {
    const productId = await newProduct(3);
    const buyers = await Promise.all(Array.from({ length: 6 }, () => newBuyer()));
    const placed = await Promise.all(buyers.map((b) => order(b, productId, 1)));
    const statuses = await finalStatuses(placed);
    expect(statuses.filter((s) => s === 'CONFIRMED')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'REJECTED')).toHaveLength(3);
    expect(await stockOf(productId)).toBe(0);
    await expectHistories(placed, statuses);
  });

  it('the broker container restarts while orders are placed: every order completes, once', async () => {
    const productId = await newProduct(100);
    const buyer = await newBuyer();
    const placed = [await order(buyer, productId, 2)]; // shopping knows the product
    const restarting = broker.restart({ timeout: 10 }).then(() => electQuorumLeaders(broker.getId()));
    // the orders and their events are stored in the same write; the broker is not needed for a 202
    for (let i = 0; i < 8; i++) {
      placed.push(await order(buyer, productId, 2));
      await new Promise((r) => setTimeout(r, 500));
    }
    await restarting;
    expect(await finalStatuses(placed)).toEqual(Array(9).fill('CONFIRMED'));
    await eventually(async () => (await stockOf(productId)) === 100 - 9 * 2, 60_000, 'stock 82');
    await expectHistories(placed, Array(9).fill('CONFIRMED'));
  });

  it('products killed with orders in flight, then started again: nothing lost, nothing taken twice', async () => {
    const productId = await newProduct(100);
    const buyers = await Promise.all(Array.from({ length: 4 }, () => newBuyer()));
    const placed = await Promise.all(buyers.map((b) => order(b, productId, 1)));
    await finalStatuses(placed); // every buyer's cart knows the product
    let killed: Promise<void> | undefined;
    for (let round = 0; round < 5; round++) {
      // after three rounds, while their reservations are being consumed and two more rounds are
      // placed: products is stopped with no grace (docker restart -t 0: SIGKILL) and started again
      if (round === 3) killed = services.products.restart({ timeout: 0 });
      placed.push(...(await Promise.all(buyers.map((b) => order(b, productId, 3)))));
    }
    await killed;
    const statuses = await finalStatuses(placed);
    expect(statuses).toEqual(Array(24).fill('CONFIRMED'));
    expect(await stockOf(productId)).toBe(100 - 4 - 20 * 3);
    await expectHistories(placed, statuses);
  });
});
