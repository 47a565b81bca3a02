import { InFlight, retryDelay, sleep } from './async.ts';
import { BrokerUnavailableError, type EventBus, type EventHandler } from './bus.ts';
import { type DomainEvent, parseEvent } from './events.ts';
import { DELIVERY_LIMIT, registeredTopology, type Topology } from './topology.ts';

interface Message {
  body: string;
  failures: number;
}

interface Queue {
  name: string;
  bindings: readonly string[];
  ready: Message[];
  handler: EventHandler | undefined;
  active: number;
  deadLetters: string[];
}

export interface MemoryBusOptions {
  prefetch?: number;
  deliveryLimit?: number;
  retryBaseMs?: number;
  /** Every consumer's bindings; the registry's by default. */
  topology?: Topology;
}

/**
 * The embedded bus: the same delivery rules as the RabbitMQ adapter (queues declared up front,
 * bounded concurrency, retry with backoff, dead-lettering of malformed and repeatedly failing
 * messages), inside one process. Messages cross it as JSON text, as they would on the wire.
 */
export class MemoryBus implements EventBus {
  readonly #queues = new Map<string, Queue>();
  readonly #running = new InFlight();
  readonly #retrying = new InFlight();
  #stop = new AbortController();
  readonly #prefetch: number;
  readonly #deliveryLimit: number;
  readonly #retryBaseMs: number;
  #connected = true;
  #consuming = true;
  readonly #connectedListeners: Array<() => void> = [];
  readonly #deadLetterListeners: Array<(consumer: string, reason: 'malformed' | 'delivery limit') => void> = [];

  constructor(options: MemoryBusOptions = {}) {
    this.#prefetch = options.prefetch ?? 32;
    this.#deliveryLimit = options.deliveryLimit ?? DELIVERY_LIMIT;
    this.#retryBaseMs = options.retryBaseMs ?? 100;
    for (const [name, bindings] of Object.entries(options.topology ?? registeredTopology)) {
      this.#queues.set(name, {
        name,
        bindings,
        ready: [],
        handler: undefined,
        active: 0,
        deadLetters: [],
      });
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    this.publishRaw(event.type, JSON.stringify(event));
  }

  /** Puts any text on the bus under `routingKey`; tests use it for malformed messages. */
  publishRaw(routingKey: string, body: string): void {
    if (!this.#connected) throw new BrokerUnavailableError();
    for (const [name, queue] of this.#queues) {
      if (!queue.bindings.includes(routingKey)) continue;
      queue.ready.push({ body, failures: 0 });
      this.#pump(name);
    }
  }

  async consume(consumer: string, handler: EventHandler): Promise<void> {
    const queue = this.#queue(consumer);
    queue.handler = handler;
    if (!this.#consuming) {
      this.#consuming = true;
      this.#stop = new AbortController();
    }
    this.#pump(consumer);
  }

  async stopConsuming(): Promise<void> {
    this.#consuming = false;
    this.#stop.abort();
    await this.#running.drain();
    await this.#retrying.drain();
  }

  isConnected(): boolean {
    return this.#connected;
  }

  async backlog(consumers?: readonly string[]): Promise<number> {
    let waiting = 0;
    for (const [name, queue] of this.#queues) {
      if (!consumers || consumers.includes(name)) waiting += queue.ready.length;
    }
    return waiting;
  }

  /** Simulates the broker going away (publish rejects) and coming back. */
  setConnected(connected: boolean): void {
    const back = connected && !this.#connected;
    this.#connected = connected;
    if (back) for (const listener of this.#connectedListeners) listener();
  }

  onConnected(listener: () => void): void {
    this.#connectedListeners.push(listener);
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    this.#connected = false;
  }

  deadLetters(consumer: string): string[] {
    return [...this.#queue(consumer).deadLetters];
  }

  async deadLettered(consumer: string): Promise<number> {
    return this.#queue(consumer).deadLetters.length;
  }

  onDeadLetter(listener: (consumer: string, reason: 'malformed' | 'delivery limit') => void): void {
    this.#deadLetterListeners.push(listener);
  }

  #deadLetter(queue: Queue, message: Message, reason: 'malformed' | 'delivery limit'): void {
    queue.deadLetters.push(message.body);
    for (const listener of this.#deadLetterListeners) listener(queue.name, reason);
  }

  /** Resolves when every queue is empty and no handler or retry is pending. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#running.drain();
      await this.#retrying.drain();
      await new Promise((resolve) => setImmediate(resolve));
      const busy = [...this.#queues.values()].some((q) => q.handler && (q.ready.length > 0 || q.active > 0));
      if (!busy && this.#running.size === 0 && this.#retrying.size === 0) return;
    }
  }

  #queue(consumer: string): Queue {
    const queue = this.#queues.get(consumer);
    if (!queue) throw new Error(`unknown consumer ${consumer}`);
    return queue;
  }

  #pump(consumer: string): void {
    const queue = this.#queue(consumer);
    while (this.#consuming && queue.handler && queue.active < this.#prefetch && queue.ready.length > 0) {
      const message = queue.ready.shift() as Message;
      queue.active++;
      this.#running.track(
        this.#deliver(queue, queue.handler, message).finally(() => {
          queue.active--;
          this.#pump(consumer);
        }),
      );
    }
  }

  async #deliver(queue: Queue, handler: EventHandler, message: Message): Promise<void> {
    await Promise.resolve(); // deliver asynchronously, as a broker does
    let event: DomainEvent;
    try {
      event = parseEvent(JSON.parse(message.body));
    } catch {
      this.#deadLetter(queue, message, 'malformed');
      return;
    }
    try {
      await handler(event);
    } catch {
      message.failures++;
      if (message.failures > this.#deliveryLimit) {
        this.#deadLetter(queue, message, 'delivery limit');
        return;
      }
      const delay = retryDelay(message.failures - 1, this.#retryBaseMs);
      this.#retrying.track(
        sleep(delay, this.#stop.signal).then(() => {
          queue.ready.push(message);
          this.#pump(queue.name);
        }),
      );
    }
  }
}
