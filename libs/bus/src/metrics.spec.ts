import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { Bus } from './bus.js';
import { PermanentError, RpcError, RpcErrorCode } from './errors.js';
import { eventually } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

let server: NatsTestServer;
let bus: Bus;
const registry = new Registry();

beforeAll(async () => {
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'metrics-spec', metricsRegistry: registry });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
});

/** The value of one series as Prometheus would scrape it (0 when absent); `_count` etc. for histograms. */
async function sample(series: string, labels: Record<string, string>): Promise<number> {
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values as Array<{
      labels: Record<string, string | number>;
      value: number;
      metricName?: string;
    }>) {
      if ((value.metricName ?? metric.name) !== series) continue;
      if (Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected))
        return value.value;
    }
  }
  return 0;
}

describe('bus metrics on the given registry', () => {
  it('counts deliveries, acks, naks, dead letters and terminations per stream and durable, and times handlers', async () => {
    const stream = uniqueName('M');
    const prefix = stream.toLowerCase();
    await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
    const consumer = await bus.consume(
      { stream, durable: 'work', maxDeliver: 2, ackWaitMs: 1_000, backoffMs: [50] },
      (message) => {
        const kind = message.json<{ kind: string }>().kind;
        if (kind === 'bad') throw new PermanentError('cannot ever work');
        if (kind === 'flaky' && message.deliveryCount === 1) throw new Error('try again');
      },
    );
    await bus.publishJson(`${prefix}.a`, { kind: 'good' });
    await bus.publishJson(`${prefix}.b`, { kind: 'flaky' });
    await bus.publishJson(`${prefix}.c`, { kind: 'bad' });

    const labels = { stream, durable: 'work' };
    await eventually(async () => (await sample('steward_bus_messages_acked_total', labels)) === 2, {
      what: 'two acks',
    });
    await eventually(async () => (await sample('steward_bus_messages_terminated_total', labels)) === 1, {
      what: 'one termination',
    });
    expect(await sample('steward_bus_messages_received_total', labels)).toBe(4);
    expect(await sample('steward_bus_messages_naked_total', { ...labels, reason: 'retry' })).toBe(1);
    expect(await sample('steward_bus_dead_letters_total', { ...labels, reason: 'permanent' })).toBe(1);
    expect(await sample('steward_bus_handler_duration_seconds_count', { ...labels, outcome: 'ack' })).toBe(2);
    expect(await sample('steward_bus_handler_duration_seconds_count', { ...labels, outcome: 'nak' })).toBe(1);
    expect(await sample('steward_bus_published_total', { stream, result: 'stored' })).toBe(3);
    expect(await sample('steward_bus_publish_duration_seconds_count', { stream })).toBe(3);
    await consumer.stop();
  });

  it('counts requests and answers per rpc subject, by outcome', async () => {
    const subject = `rpc.${uniqueName('metrics').toLowerCase()}.echo`;
    const responder = bus.serveJson<{ fail?: boolean }>(subject, (body) => {
      if (body.fail) throw new RpcError(RpcErrorCode.BadRequest, 'asked to fail');
      return { ok: true };
    });
    await bus.requestJson(subject, {});
    await expect(bus.requestJson(subject, { fail: true })).rejects.toThrow('asked to fail');
    await expect(bus.requestJson(`${subject}.nobody`, {})).rejects.toThrow(/nobody serves/);
    expect(await sample('steward_bus_rpc_requests_total', { subject, outcome: 'ok' })).toBe(1);
    expect(
      await sample('steward_bus_rpc_requests_total', { subject, outcome: RpcErrorCode.BadRequest }),
    ).toBe(1);
    expect(
      await sample('steward_bus_rpc_requests_total', {
        subject: `${subject}.nobody`,
        outcome: RpcErrorCode.NoResponders,
      }),
    ).toBe(1);
    expect(await sample('steward_bus_rpc_served_total', { subject, outcome: 'ok' })).toBe(1);
    expect(await sample('steward_bus_rpc_served_total', { subject, outcome: RpcErrorCode.BadRequest })).toBe(
      1,
    );
    expect(await sample('steward_bus_rpc_duration_seconds_count', { subject })).toBe(2);
    await responder.stop();
  });
});
