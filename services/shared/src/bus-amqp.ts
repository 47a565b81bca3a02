import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { InFlight, retryDelay, sleep, withTimeout } from './async.ts';
import { BrokerUnavailableError, type EventBus, type EventHandler } from './bus.ts';
import { type DomainEvent, parseEvent } from './events.ts';
import type { Logger } from './log.ts';
import { unreachableReporter } from './reachability.ts';
import { DELIVERY_LIMIT, deadLetterQueueName, queueName, registeredTopology, type Topology } from './topology.ts';

export interface AmqpBusOptions {
  url: string;
  exchange: string;
  logger: Logger;
  /** Unacknowledged messages per consumer: how many handlers run at once. */
  prefetch: number;
  deliveryLimit?: number;
  /** First retry delay of a failed message; doubles per delivery, capped at 30 s. */
  retryBaseMs?: number;
  /** How long a publish waits for the broker's confirm before it counts as failed. */
  confirmTimeoutMs?: number;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  /** Every consumer's bindings (declared at each connect); the registry's by default. */
  topology?: Topology;
}

interface Consumer {
  name: string;
  handler: EventHandler;
}

/**
 * The RabbitMQ adapter (amqplib, also Amazon MQ): a durable topic exchange, a durable quorum
 * queue per consumer with a dead-letter queue and a delivery limit, persistent messages with
 * publisher confirms, manual acks after the handler's write, and reconnection with backoff:
 * amqplib's recovery re-runs `#setup` after every reconnect, which declares the topology again,
 * opens a fresh confirm channel and restarts the consumers. Messages unacknowledged when the
 * connection dropped are redelivered by the broker; handlers are idempotent, so that is safe.
 */
export class AmqpBus implements EventBus {
  readonly #o: Required<AmqpBusOptions>;
  readonly #consumers: Consumer[] = [];
  readonly #running = new InFlight();
  #connection: Awaited<ReturnType<typeof connectWithRecovery>> | undefined;
  #model: ChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  /** For questions to the broker (queue depths): a channel the broker may close without harm. */
  #inspector: Channel | undefined;
  #consumerChannels: Array<{ channel: Channel; tag: string; name: string }> = [];
  /** Serialises consumer starts, so a consumer is never started twice on one connection. */
  #starting: Promise<void> = Promise.resolve();
  #connected = false;
  #consuming = true;
  #stopRetries = new AbortController();
  readonly #connectedListeners: Array<() => void> = [];
  readonly #deadLetterListeners: Array<(consumer: string, reason: 'malformed' | 'delivery limit') => void> = [];

  constructor(options: AmqpBusOptions) {
    this.#o = {
      deliveryLimit: DELIVERY_LIMIT,
      retryBaseMs: 200,
      // A confirm that has not come within seconds will not come soon (a quorum queue without a
      // leader after a broker restart, a partition): the event stays in the outbox and is tried
      // again, which at worst publishes it twice (consumers dedupe).
      confirmTimeoutMs: 3_000,
      connectionName: 'platform',
      topology: registeredTopology,
      ...options,
    };
  }

  /** Starts connecting in the background; the bus reports `isConnected()` once the topology is up. */
  async start(): Promise<void> {
    const log = this.#o.logger;
    // one line with the cause and the fix, then a reminder every 30 s, not a line per retry
    const unreachable = unreachableReporter(log, 'rabbitmq', this.#o.url);
    this.#connection = await connectWithRecovery(this.#o.url, this.#o.connectionName, (model) => this.#setup(model));
    this.#connection.on('connect', () => {
      this.#connected = true;
      unreachable.recovered();
      log.info('broker connected');
      this.#startConsumers();
      for (const listener of this.#connectedListeners) listener();
    });
    this.#connection.on('disconnect', (err: Error) => {
      this.#connected = false;
      this.#model = undefined;
      this.#publisher = undefined;
      this.#inspector = undefined;
      this.#consumerChannels = [];
      log.warn('broker connection lost, reconnecting', { err: err.message });
    });
    this.#connection.on('connect-failed', (err: Error) => unreachable.failed(err));
    this.#connection.on('error', (err: Error) => log.warn('broker connection error', { err: err.message }));
  }

  /** Resolves once connected (or rejects after `ms`). */
  async waitUntilConnected(ms: number): Promise<void> {
    const started = Date.now();
    while (!this.#connected) {
      if (Date.now() - started > ms) throw new BrokerUnavailableError(`not connected to the broker after ${ms} ms`);
      await sleep(50);
    }
  }

  async #setup(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    // A refused declaration (a queue declared before with other arguments) rejects the call below;
    // unheard, the channel's own 'error' event would end the process with amqplib's stack.
    ch.on('error', () => {});
    await declareTopology(ch, this.#o.exchange, this.#o.deliveryLimit, this.#o.topology);
    await ch.close();
    const publisher = await model.createConfirmChannel();
    this.#watch(model, publisher, 'publisher');
    this.#model = model;
    this.#publisher = publisher;
    this.#inspector = undefined;
    this.#consumerChannels = [];
  }

  /** Starts, on the current connection, every registered consumer that is not running there yet. */
  #startConsumers(): Promise<void> {
    this.#starting = this.#starting.then(async () => {
      const model = this.#model;
      if (!model || !this.#connected || !this.#consuming) return;
      for (const consumer of this.#consumers) {
        if (this.#consumerChannels.some((c) => c.name === consumer.name)) continue;
        try {
          this.#consumerChannels.push(await this.#startConsumer(model, consumer));
        } catch (err) {
          this.#o.logger.warn('could not start consumer', { consumer: consumer.name, err });
        }
      }
    });
    return this.#starting;
  }

  /**
   * A channel that the broker closes on its own (e.g. a refused operation) while the connection
   * stays up would leave us half-working; closing the connection hands it to recovery, which
   * rebuilds everything.
   */
  #watch(model: ChannelModel, channel: Channel, what: string) {
    channel.on('error', (err: Error) => this.#o.logger.warn(`${what} channel error`, { err: err.message }));
    channel.on('close', () => {
      if (this.#connected && this.#consuming) model.close().catch(() => {});
    });
  }

  async publish(event: DomainEvent): Promise<void> {
    const channel = this.#publisher;
    if (!channel || !this.#connected) throw new BrokerUnavailableError();
    const body = Buffer.from(JSON.stringify(event));
    const confirmed = new Promise<void>((resolve, reject) => {
      try {
        channel.publish(
          this.#o.exchange,
          event.type,
          body,
          {
            persistent: true,
            contentType: 'application/json',
            messageId: event.id,
            type: event.type,
            appId: event.source,
            timestamp: Math.floor(Date.parse(event.occurredAt) / 1000),
          },
          (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
        );
      } catch (err) {
        reject(err);
      }
    });
    await withTimeout(confirmed, this.#o.confirmTimeoutMs, `no publisher confirm for ${event.type} ${event.id}`);
  }

  async consume(name: string, handler: EventHandler): Promise<void> {
    this.#consumers.push({ name, handler });
    this.#consuming = true;
    if (this.#stopRetries.signal.aborted) this.#stopRetries = new AbortController();
    await this.#startConsumers(); // or, when not connected yet, on the next 'connect'
  }

  async #startConsumer(model: ChannelModel, consumer: Consumer) {
    const channel = await model.createChannel();
    this.#watch(model, channel, `consumer ${consumer.name}`);
    await channel.prefetch(this.#o.prefetch);
    const queue = queueName(this.#o.exchange, consumer.name);
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (!msg) return; // cancelled by the broker (queue deleted); recovery handles the channel
      this.#running.track(this.#deliver(channel, consumer, msg));
    });
    return { channel, tag: consumerTag, name: consumer.name };
  }

  async #deliver(channel: Channel, consumer: Consumer, msg: ConsumeMessage): Promise<void> {
    const log = this.#o.logger;
    let event: DomainEvent;
    try {
      event = parseEvent(JSON.parse(msg.content.toString('utf8')));
    } catch (err) {
      log.error('malformed message sent to the dead-letter queue', {
        consumer: consumer.name,
        routingKey: msg.fields.routingKey,
        messageId: msg.properties.messageId,
        err: err instanceof Error ? err.message : String(err),
      });
      settle(() => channel.nack(msg, false, false));
      for (const listener of this.#deadLetterListeners) listener(consumer.name, 'malformed');
      return;
    }
    try {
      await consumer.handler(event);
      settle(() => channel.ack(msg));
    } catch (err) {
      const deliveries = Number(msg.properties.headers?.['x-delivery-count'] ?? 0);
      log.warn('event handler failed, will retry', {
        consumer: consumer.name,
        type: event.type,
        eventId: event.id,
        deliveries,
        err,
      });
      // Waiting before the nack spaces out retries: a store that is restarting gets time to come
      // back before the delivery limit is used up. Shutdown cuts the wait short.
      await sleep(retryDelay(deliveries, this.#o.retryBaseMs), this.#stopRetries.signal);
      settle(() => channel.nack(msg, false, true));
      // x-delivery-count counts earlier returns: the broker dead-letters the return past the limit
      if (deliveries >= this.#o.deliveryLimit) {
        for (const listener of this.#deadLetterListeners) listener(consumer.name, 'delivery limit');
      }
    }
  }

  async stopConsuming(): Promise<void> {
    this.#consuming = false;
    await this.#starting;
    for (const { channel, tag } of this.#consumerChannels) {
      await channel.cancel(tag).catch(() => {});
    }
    this.#stopRetries.abort();
    await this.#running.drain();
    for (const { channel } of this.#consumerChannels) await channel.close().catch(() => {});
    this.#consumerChannels = [];
  }

  isConnected(): boolean {
    return this.#connected;
  }

  onConnected(listener: () => void): void {
    this.#connectedListeners.push(listener);
  }

  onDeadLetter(listener: (consumer: string, reason: 'malformed' | 'delivery limit') => void): void {
    this.#deadLetterListeners.push(listener);
  }

  async backlog(consumers?: readonly string[]): Promise<number> {
    let waiting = 0;
    for (const consumer of consumers ?? Object.keys(this.#o.topology)) {
      waiting += await this.#depth(queueName(this.#o.exchange, consumer));
    }
    return waiting;
  }

  deadLettered(consumer: string): Promise<number> {
    return this.#depth(deadLetterQueueName(this.#o.exchange, consumer));
  }

  async #depth(queue: string): Promise<number> {
    const model = this.#model;
    if (!model || !this.#connected) throw new BrokerUnavailableError();
    if (!this.#inspector) {
      const channel = await model.createChannel();
      channel.on('error', () => {});
      channel.on('close', () => {
        if (this.#inspector === channel) this.#inspector = undefined;
      });
      this.#inspector = channel;
    }
    return (await this.#inspector.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    this.#connected = false;
    await this.#publisher?.close().catch(() => {});
    await this.#connection?.close().catch(() => {});
  }
}

/** Acks and nacks on a channel that has since closed throw; the broker redelivers those anyway. */
function settle(action: () => void) {
  try {
    action();
  } catch {
    // channel closed: the message is redelivered on the next connection
  }
}

function connectWithRecovery(url: string, name: string, setup: (model: ChannelModel) => Promise<void>) {
  // A dead TCP connection (broker host gone) is noticed within two heartbeats, not minutes.
  const withHeartbeat = /[?&]heartbeat=/.test(url) ? url : `${url}${url.includes('?') ? '&' : '?'}heartbeat=10`;
  return amqp.connect(withHeartbeat, {
    clientProperties: { connection_name: name },
    // Nagle's algorithm off (amqplib leaves it on): a small write (an ack, then the next publish)
    // would wait for the broker's TCP acknowledgement of the one before, which Linux delays up to
    // 40 ms: the order-to-final p50 at 25 orders/s was 32-59 ms with it, 16-20 without
    // (docs/PERFORMANCE.md). amqplib already joins each message's frames into one write.
    noDelay: true,
    // Tried again within half a second of the broker's return: a restart costs its own seconds,
    // not a backoff's on top (two refused connections a second cost a broker nothing).
    recovery: { initialDelay: 100, maxDelay: 500, factor: 2, jitter: 0.2, waitForConnect: false, setup },
  });
}

/** Declares the exchange and, for every consumer of the topology, its queue and dead-letter queue. */
export async function declareTopology(
  ch: Channel,
  exchange: string,
  deliveryLimit: number,
  topology: Topology = registeredTopology,
): Promise<void> {
  await ch.assertExchange(exchange, 'topic', { durable: true });
  for (const [consumer, types] of Object.entries(topology)) {
    const queue = queueName(exchange, consumer);
    const dlq = deadLetterQueueName(exchange, consumer);
    await ch.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await ch.assertQueue(queue, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        'x-delivery-limit': deliveryLimit,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': dlq,
      },
    });
    for (const type of types) await ch.bindQueue(queue, exchange, type);
  }
}
