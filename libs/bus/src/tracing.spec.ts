import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Bus } from './bus.js';
import { eventually } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let server: NatsTestServer;
let bus: Bus;

beforeAll(async () => {
  // NodeTracerProvider.register also installs the async-hooks context manager.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'tracing-spec' });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

it("continues the publisher's trace in the consumer handler", async () => {
  const stream = uniqueName('S');
  const prefix = stream.toLowerCase();
  await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
  const seen: { traceId?: string; traceparent?: string }[] = [];
  const consumer = await bus.consume({ stream, durable: 'traced' }, (message) => {
    seen.push({
      traceId: trace.getActiveSpan()?.spanContext().traceId,
      traceparent: message.headers['traceparent'],
    });
  });

  const tracer = trace.getTracer('test');
  const traceId = await tracer.startActiveSpan('gateway dispatch', async (span) => {
    await bus.publishJson(`${prefix}.evt`, { hello: 'world' });
    span.end();
    return span.spanContext().traceId;
  });

  const [delivery] = await eventually(() => seen.length === 1 && seen, { what: 'the delivery' });
  await consumer.stop();
  expect(delivery!.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  expect(delivery!.traceId).toBe(traceId);

  const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const producer = spans.find((span) => span.kind === SpanKind.PRODUCER);
  const processing = spans.find((span) => span.kind === SpanKind.CONSUMER);
  expect(producer?.attributes['messaging.destination.name']).toBe(`${prefix}.evt`);
  expect(processing).toBeDefined();
  expect(processing!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
});

it("continues the requester's trace in the responder", async () => {
  const subject = `rpc.${uniqueName('svc').toLowerCase()}.ping`;
  let served: string | undefined;
  bus.serve(subject, () => {
    served = trace.getActiveSpan()?.spanContext().traceId;
    return 'pong';
  });
  await bus.connection.flush();
  const traceId = await trace.getTracer('test').startActiveSpan('admin request', async (span) => {
    await bus.request(subject, 'ping');
    span.end();
    return span.spanContext().traceId;
  });
  expect(served).toBe(traceId);
});
