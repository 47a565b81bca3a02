import registry from '../../registry.json' with { type: 'json' };
import type { EventType } from './events.ts';

/**
 * Who consumes what: a queue per service, bound to the event types its manifest subscribes to.
 * Every service declares the whole topology when it connects, so a queue exists before anyone
 * publishes to it and no event is dropped as unroutable because its consumer has not started yet.
 * The other services' bindings come from services/registry.json (generated from the manifests);
 * a service's own come from its manifest, so they are never behind its code.
 */
export type Topology = Readonly<Record<string, readonly EventType[]>>;

export const registeredTopology: Topology = Object.fromEntries(
  registry.services.map((s) => [s.name, s.subscribes as EventType[]]),
);

/** The registry's topology, with `service`'s own bindings as its manifest has them. */
export function topologyWith(service: string, subscribes: readonly EventType[], base = registeredTopology): Topology {
  const topology: Record<string, readonly EventType[]> = { ...base };
  if (subscribes.length > 0) topology[service] = subscribes;
  else delete topology[service];
  return topology;
}

/** The names of the services the registry lists, in its order. */
export const registeredServices = (): string[] => registry.services.map((s) => s.name);

/**
 * Deliveries of one message before it goes to the dead-letter queue. Part of the queue's
 * declaration (quorum queue `x-delivery-limit`), so it is one platform-wide value: a queue
 * declared twice with different arguments is refused by the broker.
 */
export const DELIVERY_LIMIT = 10;

export const queueName = (exchange: string, consumer: string) => `${exchange}.${consumer}`;
export const deadLetterQueueName = (exchange: string, consumer: string) => `${exchange}.${consumer}.dlq`;
