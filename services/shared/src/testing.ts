import { createTokens, type User } from './auth.ts';
import { MemoryBus } from './bus-memory.ts';
import { type BaseConfig, parseConfig } from './config.ts';
import type { DomainEvent } from './events.ts';
import { silentLogger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { EventSink } from './outbox.ts';
import { type RunningService, startService } from './runtime.ts';
import { configSchemaOf, type ServiceManifest } from './service.ts';
import { createStoreKit } from './store-kit.ts';

/**
 * Test helpers for service authors: a service started from its manifest on the embedded store and
 * bus, driven over HTTP and by events; and a StoreKit for store contract tests.
 */

export const TEST_JWT_SECRET = 'service-test-secret-0123456789abcdef';

/** A bus that also keeps every event published through it, in order. */
export class RecordingBus extends MemoryBus {
  readonly published: DomainEvent[] = [];

  override async publish(event: DomainEvent): Promise<void> {
    this.published.push(event);
    await super.publish(event);
  }
}

export interface TestService<S> extends RunningService<S> {
  bus: RecordingBus;
  /** A request as the load balancer forwards it: `path` includes the service prefix or not. */
  request(
    method: string,
    path: string,
    o?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** A token for `user`, signed with the service's key. */
  tokenFor(user: Partial<User> & { id: string }): Promise<string>;
  /** The user a token the service issued stands for (rejects when it is not valid). */
  verifyToken(token: string): Promise<User>;
  /** Waits until the events of every write so far are published and handled. */
  settled(): Promise<void>;
  /** The events this service published so far, of `type` if given. */
  published(type?: string): DomainEvent[];
}

export async function testService<C extends BaseConfig, S, D>(
  manifest: ServiceManifest<C, S, D>,
  o: { env?: Record<string, string>; deps?: Partial<D>; bus?: RecordingBus; stores?: S; metrics?: Metrics } = {},
): Promise<TestService<S>> {
  const env = { JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '50', ...o.env };
  const config = parseConfig(configSchemaOf(manifest), env);
  const bus = o.bus ?? new RecordingBus({ retryBaseMs: 5 });
  const service = await startService(manifest, config, {
    bus,
    logger: silentLogger,
    ...(o.deps && { deps: o.deps }),
    ...(o.stores && { stores: o.stores }),
    ...(o.metrics && { metrics: o.metrics }),
  });
  const tokens = await createTokens(env.JWT_SECRET, 3600);
  return {
    ...service,
    bus,
    request: (method, path, r = {}) =>
      Promise.resolve(
        service.fetch(
          new Request(`http://test${path}`, {
            method,
            headers: {
              'content-type': 'application/json',
              ...(r.token && { authorization: `Bearer ${r.token}` }),
              ...r.headers,
            },
            ...(r.body !== undefined && { body: typeof r.body === 'string' ? r.body : JSON.stringify(r.body) }),
          }),
        ),
      ),
    tokenFor: (user) => tokens.issue({ email: `${user.id}@example.com`, role: 'customer', ...user } as User),
    verifyToken: (token) => tokens.verify(token),
    settled: async () => {
      await service.relay.settle();
      await bus.idle();
    },
    published: (type) => bus.published.filter((e) => e.source === manifest.name && (!type || e.type === type)),
  };
}

/**
 * A StoreKit for store contract tests: tables and collections written with events, whose events
 * are kept in `written` instead of being published, stamped by `writer`. `ready(stores)` runs what
 * the kit runs at start.
 */
export function testStoreKit<C extends BaseConfig = BaseConfig>(config = {} as C, writer = 'test-store-kit') {
  const written: DomainEvent[] = [];
  const sink: EventSink = {
    check: () => {},
    begin: () => ({ writer, at: Date.now() }),
    written: (_stamp, _key, events) => void written.push(...events),
    failed: () => {},
  };
  const { kit, ready } = createStoreKit(config, silentLogger, () => sink);
  return { kit, ready, written };
}
