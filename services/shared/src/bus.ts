import type { DomainEvent } from './events.ts';

/** Handles one event. Resolving acknowledges it; throwing sends it back for a later retry. */
export type EventHandler = (event: DomainEvent) => Promise<void>;

export interface EventBus {
  /**
   * Publishes one event as a persistent message and resolves once the broker has confirmed it.
   * Rejects (BrokerUnavailableError or the broker's refusal) otherwise: callers keep the event
   * in their outbox and try again.
   */
  publish(event: DomainEvent): Promise<void>;
  /**
   * Delivers the events bound to `consumer` (see topology) to `handler`, a bounded number at a
   * time. A message that is not a valid event goes straight to the dead-letter queue; one whose
   * handler keeps failing goes there after DELIVERY_LIMIT deliveries.
   */
  consume(consumer: string, handler: EventHandler): Promise<void>;
  /** Stops taking new messages and waits for the handlers in flight to finish. */
  stopConsuming(): Promise<void>;
  isConnected(): boolean;
  /** Calls `listener` every time the bus (re)connects: whoever waited for the broker may go on. */
  onConnected(listener: () => void): void;
  /** Messages waiting to be delivered in the queues of `consumers` (every queue when omitted). */
  backlog(consumers?: readonly string[]): Promise<number>;
  /** Messages in `consumer`'s dead-letter queue: malformed ones and those whose handler kept failing. */
  deadLettered(consumer: string): Promise<number>;
  /** Calls `listener` whenever this process sends a message to a dead-letter queue. */
  onDeadLetter(listener: (consumer: string, reason: 'malformed' | 'delivery limit') => void): void;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
  constructor(message = 'message broker unavailable') {
    super(message);
  }
}
