import { trace } from '@opentelemetry/api';
import { injectTraceHeaders, startTelemetry, stopTelemetry, tracesRecorded, withSpan } from './index.js';

describe('telemetry without an exporter', () => {
  beforeAll(() => startTelemetry({ serviceName: 'test' }));
  afterAll(() => stopTelemetry());

  it('records nothing but still carries one trace id across nested spans and into headers', async () => {
    const seen = await withSpan('handle', async (outer) => {
      const headers = await withSpan('publish', () => injectTraceHeaders());
      return { outer: outer.spanContext(), recording: outer.isRecording(), headers };
    });
    expect(seen.recording).toBe(false);
    expect(tracesRecorded()).toBe(false);
    expect(trace.isSpanContextValid(seen.outer)).toBe(true);
    // Not sampled (flags 00), same trace.
    const [, traceId, spanId, flags] = seen.headers.traceparent!.split('-');
    expect(traceId).toBe(seen.outer.traceId);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(flags).toBe('00');
  });

  it('gives work outside any trace a trace of its own, and a new one each time', async () => {
    const first = await withSpan('job', () => injectTraceHeaders());
    const second = await withSpan('job', () => injectTraceHeaders());
    const traceOf = (headers: Record<string, string>) => headers.traceparent?.split('-')[1];
    expect(traceOf(first)).toMatch(/^[0-9a-f]{32}$/);
    expect(traceOf(second)).toMatch(/^[0-9a-f]{32}$/);
    expect(traceOf(second)).not.toBe(traceOf(first));
  });
});
