import { Writable } from 'node:stream';
import { context, propagation } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Counter } from 'prom-client';
import { createLogger, injectTraceHeaders, metricsRegistry, startOpsServer, startTelemetry, stopTelemetry, tracesRecorded, withSpan } from './index.js';

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('telemetry', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  beforeAll(() => startTelemetry({ serviceName: 'test', spanProcessors: [processor] }));
  afterAll(() => stopTelemetry());

  it('stamps log lines with the active trace id and hides secrets', async () => {
    const { lines, destination } = captureLogs();
    const logger = createLogger({ service: 'router', destination });
    const traceId = await withSpan('handle', (span) => {
      logger.info({ botToken: 'MTIz.secret', user: { password: 'hunter2' } }, 'handled');
      return span.spanContext().traceId;
    });
    expect(lines[0]).toMatchObject({ service: 'router', msg: 'handled', trace_id: traceId, level: 'info' });
    expect(JSON.stringify(lines[0])).not.toMatch(/MTIz|hunter2/);
    // A failed query carries its values, as TypeORM's QueryFailedError does (the driver error's
    // fields copied onto it, and kept as driverError); the statement and the reason stay readable.
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (email)=(agent@acme.example) already exists.',
    });
    const failedQuery = Object.assign(new Error(driverError.message), {
      query: 'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
      parameters: ['agent@acme.example', 'scrypt$32768$8$1$salt$hash'],
      driverError,
      code: driverError.code,
      detail: driverError.detail,
    });
    logger.error({ err: failedQuery }, 'request failed');
    expect(lines[1]).toMatchObject({ err: { message: 'duplicate key value violates unique constraint', query: expect.stringContaining('INSERT INTO users') } });
    expect(JSON.stringify(lines[1])).not.toMatch(/scrypt|agent@acme/);
    await processor.forceFlush();
    expect(tracesRecorded()).toBe(true);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('handle');
  });

  it('carries trace context through headers to a child span in another hop', async () => {
    const headers = await withSpan('publish', () => injectTraceHeaders());
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const parent = propagation.extract(context.active(), headers);
    const childTrace = await context.with(parent, () => withSpan('consume', (span) => span.spanContext().traceId));
    expect(headers.traceparent).toContain(childTrace);
  });

  it('serves liveness, readiness and metrics, and announces readiness once ready', async () => {
    const { lines, destination } = captureLogs();
    const ops = await startOpsServer({ port: 0, host: '127.0.0.1', logger: createLogger({ service: 'egress', destination }) });
    try {
      new Counter({ name: 'steward_test_events_total', help: 'test', registers: [metricsRegistry] }).inc(3);
      expect((await fetch(`${ops.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(503);
      let natsUp = false;
      ops.addReadinessCheck('nats', () => {
        if (!natsUp) throw new Error('not connected');
      });
      ops.markReady();
      const notReady = await fetch(`${ops.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ status: 'not ready', failures: { nats: 'not connected' } });
      natsUp = true;
      expect((await fetch(`${ops.url}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${ops.url}/metrics`)).text()).toMatch(/steward_test_events_total 3/);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'service ready', opsPort: ops.port }));
    } finally {
      await ops.close();
    }
  });
});
