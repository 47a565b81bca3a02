import * as z from 'zod';
import { uuidv7 } from './ids.ts';
import { activeTraceparent, TRACEPARENT } from './trace-context.ts';

/**
 * The event contract between services: one envelope, one zod schema per event type's `data`.
 * Publishers build events with `createEvent` and consumers parse with `parseEvent`, so both sides
 * use the same schema and a malformed message is refused before any handler sees it.
 */

const id = z.uuid();
const cents = z.number().int().nonnegative();
const isoTime = z.iso.datetime({ offset: true });

export const orderLineSchema = z.object({
  productId: id,
  name: z.string().min(1),
  unitPriceCents: cents,
  qty: z.number().int().min(1),
});
export type OrderLine = z.infer<typeof orderLineSchema>;

/** Where an order stands: PENDING until stock is reserved (CONFIRMED) or refused (REJECTED). */
export const orderStatusSchema = z.enum(['PENDING', 'CONFIRMED', 'REJECTED']);
export type OrderStatus = z.infer<typeof orderStatusSchema>;
export type FinalOrderStatus = Exclude<OrderStatus, 'PENDING'>;

/**
 * What a reply to `order.placed` repeats of the order, so that its consumer can settle the order
 * without reading it back. Optional: replies from a version that did not send them still parse.
 */
const orderEcho = {
  customerId: z.string().min(1).optional(),
  totalCents: cents.optional(),
  placedAt: isoTime.optional(),
};

export const eventDataSchemas = {
  /** Full catalog snapshot of a product after a create or update; consumers keep the newest version. */
  'product.changed': z.object({
    productId: id,
    name: z.string(),
    description: z.string(),
    category: z.string(),
    unit: z.string(),
    priceCents: cents,
    supplier: z.string().nullable(),
    version: z.number().int().min(1),
    updatedAt: isoTime,
  }),
  'order.placed': z.object({
    orderId: id,
    customerId: z.string().min(1),
    items: z.array(orderLineSchema).min(1),
    totalCents: cents,
    placedAt: isoTime,
  }),
  'stock.reserved': z.object({ orderId: id, ...orderEcho }),
  'stock.rejected': z.object({
    orderId: id,
    reason: z.literal('OUT_OF_STOCK'),
    /** The lines that could not be served. */
    productIds: z.array(id),
    ...orderEcho,
  }),
  'order.confirmed': z.object({ orderId: id, customerId: z.string().min(1), totalCents: cents }),
  'order.rejected': z.object({ orderId: id, customerId: z.string().min(1), reason: z.string().min(1) }),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export const eventTypes = Object.keys(eventDataSchemas) as EventType[];
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;

export interface Envelope<T extends EventType = EventType> {
  id: string;
  type: T;
  occurredAt: string;
  source: string;
  data: EventData<T>;
  /**
   * The W3C trace context of the span that produced the event (tracing on): its consumer's work
   * joins the same trace. Optional, and dropped when malformed: it never costs an event.
   */
  traceparent?: string | undefined;
}

/** Any event, narrowed by `type`. */
export type DomainEvent = { [T in EventType]: Envelope<T> }[EventType];

const envelopeSchema = z.object({
  id,
  type: z.enum(eventTypes as [EventType, ...EventType[]]),
  occurredAt: isoTime,
  source: z.string().min(1),
  data: z.unknown(),
  traceparent: z.string().regex(TRACEPARENT).optional().catch(undefined),
});

export function createEvent<T extends EventType>(type: T, data: EventData<T>, source: string): Envelope<T> {
  const event: Envelope<T> = {
    id: uuidv7(),
    type,
    occurredAt: new Date().toISOString(),
    source,
    data: eventDataSchemas[type].parse(data) as EventData<T>,
  };
  const traceparent = activeTraceparent();
  if (traceparent) event.traceparent = traceparent;
  return event;
}

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/** Validates an incoming message (already JSON-decoded) against the envelope and its type's schema. */
export function parseEvent(raw: unknown): DomainEvent {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new MalformedEventError(`bad envelope: ${z.prettifyError(envelope.error)}`);
  const data = eventDataSchemas[envelope.data.type].safeParse(envelope.data.data);
  if (!data.success) throw new MalformedEventError(`bad ${envelope.data.type} data: ${z.prettifyError(data.error)}`);
  const { traceparent, ...rest } = envelope.data;
  return (traceparent ? { ...rest, traceparent, data: data.data } : { ...rest, data: data.data }) as DomainEvent;
}
