import { randomBytes } from 'node:crypto';
import {
  context,
  propagation,
  trace,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  SpanKind,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint; spans are exported only when set (or when processors are given). */
  otlpEndpoint?: string;
  /** Extra processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
}

let provider: NodeTracerProvider | undefined;
let recording = false;

/**
 * Starts OpenTelemetry for this process. Call it first in main.ts, before the application
 * modules are imported. Trace context always propagates (W3C traceparent), so one trace id
 * follows a question across services and into their logs. Spans are recorded only when
 * something exports them: without an exporter every span is a non-recording one that carries
 * the trace id and a fresh span id but stores nothing (a recorded span per message was a
 * tenth of a busy service's CPU, spent on data nobody read).
 */
export function startTelemetry(options: TelemetryOptions): void {
  if (provider) return;
  const processors = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) {
    const url = new URL('v1/traces', options.otlpEndpoint.endsWith('/') ? options.otlpEndpoint : `${options.otlpEndpoint}/`);
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: url.toString() })));
  }
  // Tracing only: the tracer provider, the async-context manager and W3C propagation. (The
  // all-in-one NodeSDK would also load the gRPC, metrics and logs exporters into every service.)
  recording = processors.length > 0;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: `steward-${options.serviceName}` }),
    spanProcessors: processors,
    // A service that exports records every trace, also one whose earlier hop exported nothing
    // (that hop's traceparent carries flag 00), so the sampler ignores the parent's decision.
    sampler: processors.length ? new AlwaysOnSampler() : new AlwaysOffSampler(),
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
}

/** Flushes and stops tracing (on shutdown). */
export async function stopTelemetry(): Promise<void> {
  const running = provider;
  provider = undefined;
  recording = false;
  await running?.shutdown();
}

/**
 * Whether spans are recorded (something exports them). Code on a per-message hot path can skip
 * spans of its own when they would record nothing; trace context propagates either way.
 */
export function tracesRecorded(): boolean {
  return recording;
}

export function tracer(name = 'steward') {
  return trace.getTracer(name);
}

/** Random bytes for trace and span ids, drawn in bulk (one draw per message was a tenth of the gateway's CPU). */
const ID_BYTES = 24;
let idPool = Buffer.alloc(0);
let idOffset = 0;

function randomIds(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 1024);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idPool.toString('hex', idOffset - ID_BYTES, idOffset);
}

/**
 * `ctx` when it carries a trace; otherwise `ctx` with a new trace, not sampled. Where no span is
 * made (nothing records them), what runs in the returned context still shares one trace id:
 * its logs and the messages it sends.
 */
export function withTraceContext(ctx: Context): Context {
  if (trace.getSpanContext(ctx)) return ctx;
  const ids = randomIds();
  return trace.setSpanContext(ctx, {
    traceId: ids.slice(0, 32),
    spanId: ids.slice(32),
    traceFlags: TraceFlags.NONE,
  });
}

/**
 * Runs `fn` in a new active span, recording errors and ending the span. When nothing records
 * spans, `fn` runs in the current trace (a new one if there is none) and gets a span that
 * ignores what is set on it.
 */
export async function withSpan<T>(
  name: string,
  fn: (span: Span) => Promise<T> | T,
  options: { attributes?: Attributes; kind?: SpanKind } = {},
): Promise<T> {
  if (!recording) {
    const active = context.active();
    const traced = withTraceContext(active);
    const span = trace.getSpan(traced)!;
    return traced === active ? fn(span) : context.with(traced, () => fn(span));
  }
  return tracer().startActiveSpan(name, { attributes: options.attributes, kind: options.kind }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace id, or undefined outside a span. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

/** Copies the active trace context into a plain header map (for HTTP or message headers). */
export function injectTraceHeaders(headers: Record<string, string> = {}): Record<string, string> {
  propagation.inject(context.active(), headers);
  return headers;
}

export { SpanKind };
