import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Bus } from './bus.js';
import { DEAD_LETTER_STREAM, deadLetterSubject, type DeadLetterRecord } from './consumer.js';
import { PermanentError } from './errors.js';
import { silentLogger, type BusLogger } from './logger.js';
import { deferred, eventually, sleep } from '../test/eventually.js';
import { startNatsServer, uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

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

async function deadLetterFor(
  stream: string,
  durable: string,
  on: Bus = bus,
): Promise<DeadLetterRecord | undefined> {
  const stored = await on.jsm.streams.getMessage(DEAD_LETTER_STREAM, {
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

describe('oversized payloads', () => {
  const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

  it('dead-letters a payload too large to carry whole: truncated, with its size and hash, and not redelivered', async () => {
    const { stream, prefix } = await freshStream();
    // Fits a message (1 MiB max_payload) but not base64-encoded inside a dead-letter record.
    const payload = randomBytes(1_000_000);
    const attempts: number[] = [];
    const consumer = await bus.consume(
      { stream, durable: 'huge', maxDeliver: 2, ackWaitMs: 2_000, backoffMs: [50] },
      (message) => {
        attempts.push(message.deliveryCount);
        throw new Error('cannot digest this');
      },
    );
    const ack = await bus.publish(`${prefix}.blob`, payload);

    const record = await eventually(() => deadLetterFor(stream, 'huge'), { what: 'the dead-letter record' });
    expect(record).toMatchObject({
      streamSequence: ack.seq,
      reason: 'max_deliver',
      deliveryCount: 2,
      dataTruncated: true,
      dataSize: payload.length,
      dataSha256: sha256(payload),
    });
    const kept = Buffer.from(record.data, 'base64');
    expect(kept.length).toBeGreaterThan(500_000);
    expect(kept.length).toBeLessThan(payload.length);
    expect(kept.equals(payload.subarray(0, kept.length))).toBe(true);

    // Terminated: well past the backoff and the ack wait, no further attempt.
    await sleep(2_500);
    expect(attempts).toEqual([1, 2]);
    const info = await bus.jsm.consumers.info(stream, 'huge');
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    await consumer.stop();
  }, 30_000);

  it('keeps the whole payload, with its size and hash, when it fits', async () => {
    const { stream, prefix } = await freshStream();
    const consumer = await bus.consume({ stream, durable: 'small', backoffMs: [50] }, () => {
      throw new PermanentError('bad input');
    });
    await bus.publish(`${prefix}.evt`, 'small payload');
    const record = await eventually(() => deadLetterFor(stream, 'small'), { what: 'the dead-letter record' });
    expect(record).toMatchObject({
      dataTruncated: false,
      dataSize: 13,
      dataSha256: sha256(Buffer.from('small payload')),
    });
    expect(Buffer.from(record.data, 'base64').toString()).toBe('small payload');
    await consumer.stop();
  });

  it('records the message without its data when even the truncated record is refused', async () => {
    // A server of its own: the test shrinks the DEAD_LETTER stream's message size limit.
    const own = await startNatsServer();
    const ownBus = await Bus.connect({ servers: own.url, name: 'consumer-spec-own' });
    try {
      const stream = uniqueName('S');
      const prefix = stream.toLowerCase();
      await ownBus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
      const attempts: number[] = [];
      const consumer = await ownBus.consume({ stream, durable: 'limited', backoffMs: [50] }, (message) => {
        attempts.push(message.deliveryCount);
        throw new PermanentError('unusable');
      });
      await ownBus.jsm.streams.update(DEAD_LETTER_STREAM, { max_msg_size: 64 * 1024 });
      const payload = randomBytes(200_000);
      await ownBus.publish(`${prefix}.blob`, payload);

      const record = await eventually(() => deadLetterFor(stream, 'limited', ownBus), {
        what: 'the dead-letter record',
      });
      expect(record).toMatchObject({
        reason: 'permanent',
        data: '',
        dataTruncated: true,
        dataSize: payload.length,
        dataSha256: sha256(payload),
      });
      await sleep(300);
      expect(attempts).toEqual([1]);
      await consumer.stop();
    } finally {
      await ownBus.drain();
      await own.stop();
    }
  });
});

describe('where a new consumer starts', () => {
  it('reads the history the stream keeps by default, and only what arrives next with startAt "new", then goes on where it stopped', async () => {
    const { stream, prefix } = await freshStream();
    await bus.publish(`${prefix}.evt`, 'history');
    const everything: string[] = [];
    const fromNow: string[] = [];
    const all = await bus.consume({ stream, durable: 'everything' }, (message) => {
      everything.push(message.string());
    });
    let latest = await bus.consume({ stream, durable: 'from-now', startAt: 'new' }, (message) => {
      fromNow.push(message.string());
    });
    await bus.publish(`${prefix}.evt`, 'next');
    await eventually(() => everything.length === 2 && fromNow.length === 1, { what: 'both consumers caught up' });
    expect(everything).toEqual(['history', 'next']);
    expect(fromNow).toEqual(['next']);

    // Stopped and started again, the consumer goes on from where it was, missing nothing.
    await latest.stop();
    await bus.publish(`${prefix}.evt`, 'while stopped');
    latest = await bus.consume({ stream, durable: 'from-now', startAt: 'new' }, (message) => {
      fromNow.push(message.string());
    });
    await eventually(() => fromNow.length === 2, { what: 'the message published while it was stopped' });
    expect(fromNow).toEqual(['next', 'while stopped']);
    await latest.stop();
    await all.stop();
  });
});

describe('a consumer whose durable or stream is deleted while it runs', () => {
  function recordingLogger(): BusLogger & { warnings: string[] } {
    const warnings: string[] = [];
    return { ...silentLogger, warnings, warn: (_fields, message) => warnings.push(message ?? '') };
  }

  it('re-creates its durable and receives again', async () => {
    const logger = recordingLogger();
    const service = await Bus.connect({ servers: server.url, name: 'consumer-spec-recreate', logger });
    try {
      const { stream, prefix } = await freshStream();
      const received: string[] = [];
      const consumer = await service.consume({ stream, durable: 'reset', backoffMs: [50] }, (message) => {
        received.push(message.string());
      });
      await bus.publish(`${prefix}.evt`, 'before');
      await eventually(() => received.includes('before'), { what: 'the first message' });

      // What `nats consumer rm` does to reset a stuck consumer.
      await bus.jsm.consumers.delete(stream, 'reset');
      await bus.publish(`${prefix}.evt`, 'after');

      await eventually(() => received.includes('after'), {
        what: 'the message published after the deletion',
        timeoutMs: 15_000,
      });
      expect((await bus.jsm.consumers.info(stream, 'reset')).config.durable_name).toBe('reset');
      expect(logger.warnings.filter((message) => message === 'consumer re-created')).toHaveLength(1);
      await consumer.stop();
    } finally {
      await service.drain();
    }
  }, 30_000);

  it('re-creates its durable deleted while its handler was busy (no pull waiting)', async () => {
    const logger = recordingLogger();
    const service = await Bus.connect({ servers: server.url, name: 'consumer-spec-stuck', logger });
    try {
      const { stream, prefix } = await freshStream();
      const received: string[] = [];
      const unstuck = deferred();
      const consumer = await service.consume(
        { stream, durable: 'stuck', backoffMs: [50] },
        async (message) => {
          received.push(message.string());
          if (message.string() === 'before') await unstuck.promise;
        },
      );
      await bus.publish(`${prefix}.evt`, 'before');
      await eventually(() => received.includes('before'), { what: 'the first message' });

      // The handler holds the only slot, so no pull waits at the server to be told.
      await bus.jsm.consumers.delete(stream, 'stuck');
      await bus.publish(`${prefix}.evt`, 'after');
      unstuck.resolve();

      // Nothing tells the new pull it reaches no consumer: two missed idle heartbeats (5 s apart
      // at the bus's 10 s fetch expiry) end it, hence the long wait.
      await eventually(() => received.includes('after'), {
        what: 'the message published after the deletion',
        timeoutMs: 25_000,
      });
      expect(logger.warnings.filter((message) => message === 'consumer re-created')).toHaveLength(1);
      await consumer.stop();
    } finally {
      await service.drain();
    }
  }, 40_000);

  it('re-creates its durable once the stream is declared again', async () => {
    const logger = recordingLogger();
    const service = await Bus.connect({ servers: server.url, name: 'consumer-spec-restream', logger });
    try {
      const { stream, prefix } = await freshStream();
      const received: string[] = [];
      const consumer = await service.consume({ stream, durable: 'restream', backoffMs: [50] }, (message) => {
        received.push(message.string());
      });
      await bus.publish(`${prefix}.evt`, 'before');
      await eventually(() => received.includes('before'), { what: 'the first message' });

      // What an operator does to change a stream's retention: delete it and declare it again.
      await bus.jsm.streams.delete(stream);
      await sleep(1_500);
      await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits' }]);
      await bus.publish(`${prefix}.evt`, 'after');

      await eventually(() => received.includes('after'), {
        what: 'the message published to the new stream',
        timeoutMs: 15_000,
      });
      expect(logger.warnings.filter((message) => message === 'consumer re-created')).toHaveLength(1);
      await consumer.stop();
    } finally {
      await service.drain();
    }
  }, 30_000);
});
