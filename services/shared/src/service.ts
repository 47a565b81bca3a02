import type { Collection, Db } from 'mongodb';
import type * as z from 'zod';
import type { Route } from './api.ts';
import type { Tokens } from './auth.ts';
import { type BaseConfig, baseConfigSchema } from './config.ts';
import type { Envelope, EventType } from './events.ts';
import { eventTypes } from './events.ts';
import type { HttpOptions } from './http.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { MemoryEventTable } from './outbox-memory.ts';
import type { MongoEventCollection } from './outbox-mongo.ts';

/**
 * A service describes itself in one place, its manifest (services/<name>/src/service.ts):
 *
 *   export default defineService({
 *     name: 'reviews',
 *     description: 'Product reviews.',
 *     publishes: ['review.posted'],
 *     stores: { memory: (kit) => ..., mongo: (db, kit) => ... },
 *     routes: (ctx) => [route({ ... })],
 *     subscriptions: { 'order.confirmed': (event, ctx) => ... },
 *   });
 *
 * The kit does the rest: configuration, database and broker, the HTTP app with health,
 * readiness and OpenAPI, the queue bindings (the keys of `subscriptions`: nothing else binds a
 * queue), the outbox relay (stores write events only through it), graceful shutdown. Everything
 * that lists services (npm start, the build, compose, nginx, Terraform, the tests) derives from
 * the manifests through the generated services/registry.json (`npm run generate`).
 */

/** What a store factory gets: the way to write documents together with their events. */
export interface StoreKit<C extends BaseConfig = BaseConfig> {
  config: C;
  logger: Logger;
  outbox: {
    /** A collection written with events (insertWithEvents); the relay publishes them. */
    mongo<T extends { _id: string }>(collection: Collection<T>): MongoEventCollection<T>;
    /** The embedded counterpart: a table of values by key, written with events. */
    memory<R>(name: string): MemoryEventTable<R>;
  };
}

/** What routes and subscription handlers get. */
export interface ServiceContext<C extends BaseConfig = BaseConfig, S = unknown, D = unknown> {
  name: string;
  config: C;
  logger: Logger;
  tokens: Tokens;
  stores: S;
  /** The service's own collaborators (`deps` in the manifest), replaceable in tests. */
  deps: D;
  http: HttpOptions;
  /** The service's CloudWatch metrics (no-ops without METRICS_NAMESPACE). */
  metrics: Metrics;
}

/** What the manifest's `deps` factory gets. */
export interface DepsContext<C extends BaseConfig = BaseConfig> {
  config: C;
  logger: Logger;
  /** Messages waiting in the platform's queues (of `consumers`, or all): the saga's backlog. */
  backlog(consumers?: readonly string[]): Promise<number>;
}

/** A handler per event type: the keys are the queue's bindings. */
export type Subscriptions<Ctx> = { [T in EventType]?: (event: Envelope<T>, ctx: Ctx) => Promise<void> };

/** Size and count of a service's tasks (Terraform) and its container limits (compose). */
export interface DeploySettings {
  /**
   * The ALB listener rule's priority for `/<name>` and `/<name>/*`: unique per service, fixed
   * once deployed (changing it replaces the rule). `npm run new:service` picks the next free one.
   */
  priority: number;
  /** Fargate CPU units (256 = 0.25 vCPU). */
  cpu: number;
  /** MiB. */
  memory: number;
  desiredCount: number;
  maxCount: number;
}

export const DEFAULT_DEPLOY: Omit<DeploySettings, 'priority'> = { cpu: 256, memory: 512, desiredCount: 2, maxCount: 4 };

export interface ServiceManifest<C extends BaseConfig = BaseConfig, S = unknown, D = unknown> {
  /** Lower-case letters, digits and dashes; also the path prefix (`/<name>`) and the queue name. */
  name: string;
  /** One sentence: what the service keeps and does (OpenAPI, the registry, the docs). */
  description: string;
  /** The settings beyond the base ones every service has; the base schema when absent. */
  config?: z.ZodType<C>;
  /** The event types it writes; writing any other fails at once. */
  publishes: readonly EventType[];
  stores: {
    memory(kit: StoreKit<C>): S;
    mongo(db: Db, kit: StoreKit<C>): S;
  };
  /** Collaborators built once at start (e.g. a password hasher), given to routes and handlers. */
  deps?: (ctx: DepsContext<C>) => D;
  routes(ctx: ServiceContext<C, S, D>): Route[];
  subscriptions?: Subscriptions<ServiceContext<C, S, D>>;
  deploy: Pick<DeploySettings, 'priority'> & Partial<DeploySettings>;
}

/**
 * 2-16 lower-case letters and digits, words joined by single dashes: the path prefix, queue,
 * database, ECR repository and ECS service name (Terraform checks the same: its resource names
 * add the stack's prefix and must stay within AWS's 32-character limits).
 */
export const SERVICE_NAME = /^(?=.{2,16}$)[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const SERVICE_NAME_RULE = '2-16 lower-case letters and digits, words joined by single dashes';

/** Checks a manifest and gives it back typed; a mistake is an error at import time, not at the first event. */
export function defineService<C extends BaseConfig = BaseConfig, S = unknown, D = unknown>(
  manifest: ServiceManifest<C, S, D>,
): ServiceManifest<C, S, D> {
  if (!SERVICE_NAME.test(manifest.name)) {
    throw new Error(`service name ${JSON.stringify(manifest.name)}: use ${SERVICE_NAME_RULE}`);
  }
  for (const type of [...manifest.publishes, ...Object.keys(manifest.subscriptions ?? {})]) {
    if (!eventTypes.includes(type as EventType)) {
      throw new Error(`${manifest.name}: ${type} is not an event type (services/shared/src/events.ts)`);
    }
  }
  return manifest;
}

/** The manifest's configuration schema (the base one unless it has its own). */
export const configSchemaOf = <C extends BaseConfig>(m: { config?: z.ZodType<C> | undefined }): z.ZodType<C> =>
  (m.config ?? baseConfigSchema) as z.ZodType<C>;

/** The event types a service consumes: its queue's bindings. */
export const subscribedTypes = (m: { subscriptions?: object | undefined }): EventType[] =>
  Object.keys(m.subscriptions ?? {}) as EventType[];

export const deploySettingsOf = (m: { deploy: Pick<DeploySettings, 'priority'> & Partial<DeploySettings> }) => ({
  ...DEFAULT_DEPLOY,
  ...m.deploy,
});

/** Any manifest, whatever its types (npm start, the generator). */
// biome-ignore lint/suspicious/noExplicitAny: a list of manifests of different services
export type AnyManifest = ServiceManifest<any, any, any>;

/** A service's extra settings, on top of the base ones. */
export const extendConfig = <T extends z.ZodRawShape>(shape: T) => baseConfigSchema.extend(shape);
