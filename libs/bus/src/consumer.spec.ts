import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from './bus.js';
import { DEAD_LETTER_STREAM, deadLetterSubject, type DeadLetterRecord } from './consumer.js';
import { PermanentError } from './errors.js';
import { eventually, sleep } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

let server: NatsTestServer;
let bus: Bus;

beforeAll(async () => {
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'consumer-spec' });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
});

async function freshStream(): Promise<{ stream: string; prefix: string }> {
  const stream = uniqueName('S');
  const prefix = stream.toLowerCase();
  await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
  return { stream, prefix };
}

async function deadLetterFor(stream: string, durable: string): Promise<DeadLetterRecord | undefined> {
  const stored = await bus.jsm.streams.getMessage(DEAD_LETTER_STREAM, {
    last_by_subj: deadLetterSubject(stream, durable),
  });
  return stored?.json<DeadLetterRecord>();
}

describe('failing handlers', () => {
  it('retries with growing backoff, then dead-letters after maxDeliver and stops redelivering', async () => {
    const { stream, prefix } = await freshStream();
    const attempts: { deliveryCount: number; at: number }[] = [];
    const consumer = await bus.consume(
      { stream, durable: 'flaky', maxDeliver: 3, ackWaitMs: 500, backoffMs: [100, 300] },
      (message) => {
        attempts.push({ deliveryCount: message.deliveryCount, at: Date.now() });
        throw new Error(`database unavailable (attempt ${message.deliveryCount})`);
      },
    );
    const ack = await bus.publishJson(`${prefix}.order`, { id: 7 }, { headers: { 'X-Tenant': 't9' } });

    const record = await eventually(() => deadLetterFor(stream, 'flaky'), { what: 'the dead-letter record' });
    expect(attempts.map((a) => a.deliveryCount)).toEqual([1, 2, 3]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(90);
    expect(attempts[2]!.at - attempts[1]!.at).toBeGreaterThanOrEqual(290);
    expect(record).toMatchObject({
      stream,
      durable: 'flaky',
      subject: `${prefix}.order`,
      streamSequence: ack.seq,
      deliveryCount: 3,
      reason: 'max_deliver',
      error: { name: 'Error', message: 'database unavailable (attempt 3)' },
    });
    expect(record.headers['X-Tenant']).toBe('t9');
    expect(JSON.parse(Buffer.from(record.data, 'base64').toString())).toEqual({ id: 7 });

    // Terminated: longer than the ack wait passes without another attempt.
    await sleep(800);
    expect(attempts).toHaveLength(3);
    const info = await bus.jsm.consumers.info(stream, 'flaky');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    await consumer.stop();
  });

  it('dead-letters at once when the handler throws PermanentError', async () => {
    const { stream, prefix } = await freshStream();
    let attempts = 0;
    const consumer = await bus.consume({ stream, durable: 'strict', backoffMs: [50] }, () => {
      attempts += 1;
      throw new PermanentError('unknown guild');
    });
    await bus.publish(`${prefix}.evt`, 'payload');
    const record = await eventually(() => deadLetterFor(stream, 'strict'), {
      what: 'the dead-letter record',
    });
    expect(record).toMatchObject({
      reason: 'permanent',
      deliveryCount: 1,
      error: { message: 'unknown guild' },
    });
    await sleep(300);
    expect(attempts).toBe(1);
    await consumer.stop();
  });

  it('succeeds on a retry once the handler recovers, without a dead-letter record', async () => {
    const { stream, prefix } = await freshStream();
    const counts: number[] = [];
    const consumer = await bus.consume({ stream, durable: 'recovers', backoffMs: [50] }, (message) => {
      counts.push(message.deliveryCount);
      if (message.deliveryCount < 2) throw new Error('transient');
    });
    await bus.publish(`${prefix}.evt`, 'payload');
    await eventually(() => counts.length === 2, { what: 'the retry' });
    await sleep(200);
    await consumer.stop();
    expect(counts).toEqual([1, 2]);
    expect(await deadLetterFor(stream, 'recovers')).toBeUndefined();
  });

  it("keeps a slow handler's message from being redelivered while it reports working()", async () => {
    const { stream, prefix } = await freshStream();
    const counts: number[] = [];
    const consumer = await bus.consume({ stream, durable: 'slow', ackWaitMs: 300 }, async (message) => {
      counts.push(message.deliveryCount);
      for (let i = 0; i < 6; i += 1) {
        await sleep(150);
        message.working();
      }
    });
    await bus.publish(`${prefix}.evt`, 'payload');
    await eventually(
      async () => (await bus.jsm.consumers.info(stream, 'slow')).num_ack_pending === 0 && counts.length > 0,
      {
        what: 'the ack',
      },
    );
    await consumer.stop();
    expect(counts).toEqual([1]);
  });

  it('tells a waiting handler the consumer is stopping, and the message is delivered again afterwards', async () => {
    const { stream, prefix } = await freshStream();
    let waiting!: () => void;
    const handlerWaits = new Promise<void>((resolve) => (waiting = resolve));
    const first = await bus.consume({ stream, durable: 'parked', backoffMs: [50] }, async (message) => {
      waiting();
      // Waits for a dependency that never comes back, until the consumer stops.
      await new Promise((resolve) => message.stopping.addEventListener('abort', resolve));
      throw new Error('dependency unavailable');
    });
    await bus.publish(`${prefix}.evt`, 'payload');
    await handlerWaits;
    const stopStarted = Date.now();
    await first.stop();
    expect(Date.now() - stopStarted).toBeLessThan(1_000);

    const redelivered: number[] = [];
    const second = await bus.consume({ stream, durable: 'parked', backoffMs: [50] }, (message) => {
      redelivered.push(message.deliveryCount);
    });
    await eventually(() => redelivered.length === 1, { what: 'the redelivery' });
    await second.stop();
    expect(redelivered).toEqual([2]);
  });
});
