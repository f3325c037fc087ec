import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, stopTelemetry } from '@steward/telemetry';
import { Bus } from './bus.js';
import { eventually } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

let server: NatsTestServer;
let bus: Bus;

beforeAll(async () => {
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'tracing-spec' });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
});

/** Telemetry as a service starts it, for the tests of one describe block. */
function useTelemetry(options: { spanProcessors?: SimpleSpanProcessor[] }) {
  beforeAll(() => startTelemetry({ serviceName: 'bus-tracing-spec', ...options }));
  afterAll(async () => {
    await stopTelemetry();
    // The next block registers its own provider.
    trace.disable();
    propagation.disable();
    context.disable();
  });
}

/** Publishes to a new stream and returns what the consumer's handler saw of the trace. */
async function deliverOne(publishWithin: (publish: () => Promise<void>) => Promise<void>) {
  const stream = uniqueName('S');
  const prefix = stream.toLowerCase();
  await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
  const seen: { traceId?: string; traceparent?: string; recording?: boolean }[] = [];
  const consumer = await bus.consume({ stream, durable: 'traced' }, (message) => {
    const active = trace.getActiveSpan();
    seen.push({
      traceId: active?.spanContext().traceId,
      recording: active?.isRecording(),
      traceparent: message.headers['traceparent'],
    });
  });
  await publishWithin(() => bus.publishJson(`${prefix}.evt`, { hello: 'world' }).then(() => undefined));
  const [delivery] = await eventually(() => seen.length === 1 && seen, { what: 'the delivery' });
  await consumer.stop();
  return { delivery: delivery!, subject: `${prefix}.evt` };
}

describe('with an exporter', () => {
  const exporter = new InMemorySpanExporter();
  useTelemetry({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  it("continues the publisher's trace in the consumer handler", async () => {
    let traceId = '';
    const { delivery, subject } = await deliverOne((publish) =>
      trace.getTracer('test').startActiveSpan('gateway dispatch', async (span) => {
        await publish();
        span.end();
        traceId = span.spanContext().traceId;
      }),
    );
    expect(delivery.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(delivery.traceId).toBe(traceId);

    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    const producer = spans.find((span) => span.kind === SpanKind.PRODUCER);
    const processing = spans.find((span) => span.kind === SpanKind.CONSUMER);
    expect(producer?.attributes['messaging.destination.name']).toBe(subject);
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
});

describe('without an exporter', () => {
  useTelemetry({});

  it("carries the publisher's trace id into the consumer handler without recording spans", async () => {
    let traceId = '';
    const { delivery } = await deliverOne((publish) =>
      trace.getTracer('test').startActiveSpan('gateway dispatch', async (span) => {
        await publish();
        span.end();
        traceId = span.spanContext().traceId;
      }),
    );
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(delivery.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    expect(delivery.traceId).toBe(traceId);
    expect(delivery.recording).toBe(false);
  });

  it('starts a trace for a message published outside any, which the handler and its logs share', async () => {
    const { delivery } = await deliverOne((publish) => publish());
    const [, traceId] = delivery.traceparent!.split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe('0'.repeat(32));
    expect(delivery.traceId).toBe(traceId);
  });
});
