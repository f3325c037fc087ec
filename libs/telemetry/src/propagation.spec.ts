import { injectTraceHeaders, startTelemetry, stopTelemetry, withSpan } from './index.js';

describe('telemetry without an exporter', () => {
  beforeAll(() => startTelemetry({ serviceName: 'test' }));
  afterAll(() => stopTelemetry());

  it('still creates real spans, so trace context crosses the bus', async () => {
    const headers = await withSpan('publish', () => injectTraceHeaders());
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
