import type { EventBus, EventHandler } from './bus.ts';
import type { DomainEvent } from './events.ts';
import type { Metrics } from './metrics.ts';
import { traceparentOf } from './trace-context.ts';
import { SpanKind, type Tracing } from './tracing.ts';

/**
 * The bus as the service sees it when tracing or metrics are on: a publish is a producer span
 * (the message carries it as the envelope's `traceparent`, so the consumer's span is its child),
 * a delivery a consumer span around the handler, and both are counted (EventsPublished,
 * EventsHandled, EventHandlerFailures, by event type; EventsDeadLettered). The same for the embedded and the RabbitMQ
 * bus; with both switched off the bus is used as it is.
 */
export function observeBus(bus: EventBus, o: { service: string; tracing: Tracing; metrics: Metrics }): EventBus {
  const { tracing, metrics } = o;
  if (!tracing.enabled && !metrics.enabled) return bus;
  bus.onDeadLetter((consumer) => {
    if (consumer === o.service) metrics.count('EventsDeadLettered');
  });
  const messaging = (event: DomainEvent, operation: 'send' | 'process') => ({
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': operation,
    'messaging.destination.name': event.type,
    'messaging.message.id': event.id,
  });

  const publish = async (event: DomainEvent) => {
    await tracing.inSpan(
      `publish ${event.type}`,
      SpanKind.PRODUCER,
      event.traceparent,
      messaging(event, 'send'),
      (span) =>
        // The stored event keeps the traceparent it was written with; the message carries this span.
        bus.publish(span.isRecording() ? { ...event, traceparent: traceparentOf(span.spanContext()) } : event),
    );
    metrics.count('EventsPublished', 1, { EventType: event.type });
  };

  const observed =
    (handler: EventHandler): EventHandler =>
    async (event) => {
      try {
        await tracing.inSpan(
          `process ${event.type}`,
          SpanKind.CONSUMER,
          event.traceparent,
          messaging(event, 'process'),
          () => handler(event),
        );
      } catch (err) {
        metrics.count('EventHandlerFailures', 1, { EventType: event.type });
        throw err;
      }
      metrics.count('EventsHandled', 1, { EventType: event.type });
    };

  return {
    publish,
    consume: (consumer, handler) => bus.consume(consumer, observed(handler)),
    stopConsuming: () => bus.stopConsuming(),
    isConnected: () => bus.isConnected(),
    onConnected: (listener) => bus.onConnected(listener),
    backlog: (consumers) => bus.backlog(consumers),
    deadLettered: (consumer) => bus.deadLettered(consumer),
    onDeadLetter: (listener) => bus.onDeadLetter(listener),
    close: () => bus.close(),
  };
}
