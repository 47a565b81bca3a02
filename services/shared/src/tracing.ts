import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { parseTraceParent, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Logger } from './log.ts';
import { TRACEPARENT } from './trace-context.ts';

/**
 * Tracing with OpenTelemetry, instrumented by hand at the platform's three edges, so that it works
 * in the esbuild bundle (no module patching) and costs nothing when off:
 * - HTTP in: a server span per request (http.ts), the `x-request-id` as an attribute and the trace
 *   id on the access log line, which joins logs and traces;
 * - MongoDB: a client span per command, from the driver's command monitoring;
 * - events: `traceparent` travels inside the event envelope (W3C format). A publish is a producer
 *   span, its handling a consumer span child of it, and the events a handler writes carry that
 *   span on: one order is one trace, shopping -> products -> shopping -> customer.
 * Spans go to OTLP/HTTP (an ADOT collector sidecar in AWS, which forwards to X-Ray; any collector
 * locally) or to the console.
 *
 * Sampling happens once, where a request comes in (OTEL_TRACES_SAMPLER_ARG of them are traced, a
 * caller's "sampled" flag is not obeyed: anyone could ask for every request to be traced); every
 * later hop follows the flag its event carries, so a trace is whole or absent. Work outside a
 * traced request or event starts no trace. An untraced request costs no span at all: creating
 * spans only to drop them (the SDK's way) cost 37% more CPU per GET at a 10% ratio, deciding
 * first 19% (docs/PERFORMANCE.md).
 */

export type TracesExporter = 'otlp' | 'console' | 'none';

export interface Tracing {
  readonly enabled: boolean;
  /**
   * Runs `fn` in a span continuing `traceparent` (an event's), or the active span when there is
   * none, and ends it when `fn` settles (an error marks it failed and is rethrown). Without a
   * traced parent, `fn` runs with a span that records nothing.
   */
  inSpan<T>(
    name: string,
    kind: SpanKind,
    traceparent: string | undefined,
    attributes: Attributes,
    fn: (span: Span) => Promise<T>,
  ): Promise<T>;
  /**
   * As inSpan, for a request from outside, traced or not as the sample ratio says: its
   * traceparent is continued, its sampling flag ignored.
   */
  serve<T>(
    name: string,
    traceparent: string | undefined,
    attributes: Attributes,
    fn: (span: Span) => Promise<T>,
  ): Promise<T>;
  /** Client spans for every command of this client, under the span active when it was sent. */
  monitor(client: MongoClient): void;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** The context a span continuing `traceparent` starts in (the root one when it is absent or malformed). */
function parentContext(traceparent: string | undefined): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return ROOT_CONTEXT;
  const parent = parseTraceParent(traceparent);
  if (!parent || !trace.isSpanContextValid(parent)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

/** What untraced work runs with: a span that records nothing and carries no context. */
const nonRecording = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

let contextManagerSet = false;
/** One context manager per process (AsyncLocalStorage), whichever service switches tracing on first. */
function ensureContextManager(): void {
  if (contextManagerSet) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerSet = true;
}

let lastExportWarning = 0;

export interface TracingOptions {
  service: string;
  exporter: TracesExporter;
  /** OTLP/HTTP base URL, e.g. http://localhost:4318 (the ADOT sidecar). */
  endpoint?: string | undefined;
  /** Share of incoming requests traced, 0 to 1. */
  sampleRatio: number;
  logger: Logger;
  /** Instead of `exporter` (tests: an InMemorySpanExporter, spans handed over at once). */
  spanExporter?: SpanExporter;
}

export function createTracing(o: TracingOptions): Tracing {
  if (o.exporter === 'none' && !o.spanExporter) return noTracing;
  ensureContextManager();
  // Export failures (collector down) must not go unnoticed, nor flood the log: one line a minute.
  setGlobalErrorHandler((err) => {
    if (Date.now() - lastExportWarning < 60_000) return;
    lastExportWarning = Date.now();
    o.logger.warn('trace export failed', { err: err instanceof Error ? err.message : String(err) });
  });
  const spanProcessors = o.spanExporter
    ? [new SimpleSpanProcessor({ exporter: o.spanExporter })]
    : [
        new BatchSpanProcessor({
          exporter:
            o.exporter === 'console'
              ? new ConsoleSpanExporter()
              : new OTLPTraceExporter({
                  url: `${(o.endpoint ?? 'http://localhost:4318').replace(/\/$/, '')}/v1/traces`,
                }),
          maxQueueSize: 4096,
        }),
      ];
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': o.service, 'service.namespace': 'platform' }),
    sampler: new AlwaysOnSampler(), // spans are only started once the decision is taken (below)
    spanProcessors,
  });
  const tracer = provider.getTracer(o.service);
  const run = <T>(
    name: string,
    kind: SpanKind,
    parent: Context,
    attributes: Attributes,
    fn: (span: Span) => Promise<T>,
  ) =>
    tracer.startActiveSpan(name, { kind, attributes }, parent, async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
        throw err;
      } finally {
        span.end();
      }
    });
  return {
    enabled: true,
    inSpan: (name, kind, traceparent, attributes, fn) => {
      const parent = traceparent ? parentContext(traceparent) : context.active();
      const sc = trace.getSpanContext(parent);
      if (!sc || !(sc.traceFlags & TraceFlags.SAMPLED)) return fn(nonRecording);
      return run(name, kind, parent, attributes, fn);
    },
    serve: (name, traceparent, attributes, fn) =>
      Math.random() < o.sampleRatio
        ? run(name, SpanKind.SERVER, parentContext(traceparent), attributes, fn)
        : fn(nonRecording),
    monitor: (client) => monitorCommands(client, tracer),
    shutdown: () => provider.shutdown(),
  };
}

/** At most this many commands in flight are tracked per client; beyond, commands go untraced. */
const MAX_OPEN_COMMANDS = 10_000;

function monitorCommands(client: MongoClient, tracer: Tracer): void {
  const open = new Map<number, Span>();
  client.on('commandStarted', (e: CommandStartedEvent) => {
    // Only under a traced request or event: the relay's polls and the health checks are not
    // worth a trace of their own.
    const parent = trace.getActiveSpan();
    if (!parent?.isRecording() || open.size >= MAX_OPEN_COMMANDS) return;
    const target = e.command[e.commandName];
    const collection = typeof target === 'string' ? target : undefined;
    open.set(
      e.requestId,
      tracer.startSpan(`${e.commandName}${collection ? ` ${collection}` : ''}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'mongodb',
          'db.namespace': e.databaseName,
          'db.operation.name': e.commandName,
          ...(collection && { 'db.collection.name': collection }),
        },
      }),
    );
  });
  const end = (e: CommandSucceededEvent | CommandFailedEvent, failure?: Error) => {
    const span = open.get(e.requestId);
    if (!span) return;
    open.delete(e.requestId);
    if (failure) span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
    span.end();
  };
  client.on('commandSucceeded', (e) => end(e));
  client.on('commandFailed', (e) => end(e, e.failure));
}

/** Tracing switched off: no spans, no context manager, nothing in the envelopes. */
export const noTracing: Tracing = {
  enabled: false,
  inSpan: (_name, _kind, _parent, _attributes, fn) => fn(nonRecording),
  serve: (_name, _parent, _attributes, fn) => fn(nonRecording),
  monitor: () => {},
  shutdown: async () => {},
};

export { SpanKind };
