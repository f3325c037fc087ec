// OpenTelemetry across NATS: the sender's context travels in W3C `traceparent` headers and
// the receiving handler runs inside a span that continues the same trace. When nothing
// records spans (no exporter), no span is made at all: the trace context alone travels and
// is active in the handler, so logs still carry one trace id across services.
import type { MsgHdrs } from '@nats-io/transport-node';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { tracesRecorded, withTraceContext } from '@steward/telemetry';
import { describeError } from './errors.js';
import { headerGetter, headerSetter } from './headers.js';

const tracer = trace.getTracer('@steward/bus');

/** Runs `send` inside a span of `kind`, with that span's context injected into `headers`. */
export async function withOutgoingSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  headers: MsgHdrs,
  send: () => Promise<T>,
): Promise<T> {
  if (!tracesRecorded()) {
    propagation.inject(withTraceContext(context.active()), headers, headerSetter);
    return send();
  }
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    propagation.inject(context.active(), headers, headerSetter);
    try {
      return await send();
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Runs `handle` inside a span of `kind` that continues the trace carried by `headers`. */
export async function withIncomingSpan<T>(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  headers: MsgHdrs | undefined,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), headers, headerGetter);
  if (!tracesRecorded()) return context.with(withTraceContext(parent), handle);
  return tracer.startActiveSpan(name, { kind, attributes }, parent, async (span) => {
    try {
      return await handle();
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function recordFailure(span: ReturnType<typeof tracer.startSpan>, error: unknown): void {
  const { message } = describeError(error);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

export { SpanKind };
