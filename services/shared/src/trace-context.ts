import { type SpanContext, trace } from '@opentelemetry/api';

/**
 * The trace context as events and log lines carry it: the OpenTelemetry API alone (no SDK), so
 * that reading it costs nothing when tracing is off (no span is ever active then).
 */

/** The W3C traceparent format, version 00. */
export const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The W3C traceparent of a span context. */
export const traceparentOf = (sc: SpanContext): string =>
  `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags.toString(16).padStart(2, '0')}`;

/** The traceparent of the active span, if any: what an event created now carries. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const sc = span.spanContext();
  return trace.isSpanContextValid(sc) ? traceparentOf(sc) : undefined;
}

/** The trace id of the active span, for log lines (undefined when not traced). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span.spanContext().traceId : undefined;
}
