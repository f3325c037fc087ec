import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { Bus } from './bus.js';
import { isBusFailure } from './errors.js';
import type { BusMessage } from './message.js';
import { deferred, eventually, sleep } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

let server: NatsTestServer;
let bus: Bus;

beforeAll(async () => {
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'bus-spec' });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
});

/** A limits stream on `<prefix>.>` with a unique name and subject prefix. */
async function freshStream(
  options: { duplicateWindowMs?: number } = {},
): Promise<{ stream: string; prefix: string }> {
  const stream = uniqueName('S');
  const prefix = stream.toLowerCase();
  await bus.ensureStreams([{ name: stream, subjects: [`${prefix}.>`], retention: 'limits', ...options }]);
  return { stream, prefix };
}

describe('ensureStreams', () => {
  it('creates a stream, accepts the same spec again, and applies a changed subject list', async () => {
    const name = uniqueName('S');
    const spec = { name, subjects: [`${name}.a`], retention: 'workqueue' as const, maxAgeMs: 60_000 };
    const [created] = await bus.ensureStreams([spec]);
    const [again] = await bus.ensureStreams([spec]);
    expect(again!.config).toEqual(created!.config);

    await bus.ensureStreams([{ ...spec, subjects: [`${name}.a`, `${name}.b`] }]);
    const info = await bus.jsm.streams.info(name);
    expect(info.config.subjects).toEqual([`${name}.a`, `${name}.b`]);
    expect(info.config.retention).toBe('workqueue');
    expect((await bus.publish(`${name}.b`, 'x')).stream).toBe(name);
  });

  it('refuses to change the retention of an existing stream, naming both policies', async () => {
    const name = uniqueName('S');
    await bus.ensureStreams([{ name, subjects: [`${name}.a`], retention: 'limits' }]);
    await expect(
      bus.ensureStreams([{ name, subjects: [`${name}.a`], retention: 'interest' }]),
    ).rejects.toThrow(/retention "limits" but the spec asks for "interest"/);
  });

  it('rejects an invalid spec with the offending field', async () => {
    await expect(
      bus.ensureStreams([{ name: 'BAD.NAME', subjects: ['x'], retention: 'limits' }]),
    ).rejects.toThrow(/name/);
    await expect(
      bus.ensureStreams([{ name: uniqueName('S'), subjects: [], retention: 'limits' }]),
    ).rejects.toThrow(/subjects/);
  });
});

describe('ensureBuckets and KV', () => {
  it('creates a bucket, accepts the same spec again, and applies changed history and TTL', async () => {
    const name = uniqueName('b');
    await bus.ensureBuckets([{ name, history: 1 }]);
    await bus.ensureBuckets([{ name, history: 1 }]);
    await bus.ensureBuckets([{ name, history: 5, ttlMs: 60_000 }]);
    const status = await (await bus.kv(name)).status();
    expect(status.history).toBe(5);
    expect(status.ttl).toBe(60_000);
  });

  it('stores and reads JSON values', async () => {
    const name = uniqueName('b');
    await bus.ensureBuckets([{ name }]);
    await bus.putJson(name, 'tenant.42', { plan: 'pro', seats: 3 });
    expect(await bus.getJson(name, 'tenant.42')).toEqual({ plan: 'pro', seats: 3 });
    expect(await bus.getJson(name, 'missing')).toBeUndefined();
  });

  it('fails a write whose bucket is gone with an error isBusFailure recognises, and its input with one it does not', async () => {
    const name = uniqueName('b');
    await bus.ensureBuckets([{ name }]);
    await bus.jsm.streams.delete(`KV_${name}`);
    const lost = await bus.putJson(name, 'key', { a: 1 }).catch((error: unknown) => error);
    expect(isBusFailure(lost)).toBe(true);
    const invalid = await bus.putJson(name, 'not a key', { a: 1 }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(Error);
    expect(isBusFailure(invalid)).toBe(false);
  });
});

describe('publish and consume', () => {
  it('delivers a published message to a durable consumer with payload, headers and delivery info', async () => {
    const { stream, prefix } = await freshStream();
    const received: BusMessage[] = [];
    const consumer = await bus.consume({ stream, durable: 'reader' }, (message) => {
      received.push(message);
    });

    const publishedAt = Date.now();
    const ack = await bus.publishJson(
      `${prefix}.greeting`,
      { text: 'hello' },
      { headers: { 'X-Tenant': 't1' } },
    );
    expect(ack).toMatchObject({ stream, duplicate: false });

    const [message] = await eventually(() => received.length === 1 && received, { what: 'delivery' });
    expect(message!.subject).toBe(`${prefix}.greeting`);
    expect(message!.json()).toEqual({ text: 'hello' });
    expect(message!.headers['X-Tenant']).toBe('t1');
    expect(message!.deliveryCount).toBe(1);
    expect(message!.streamSequence).toBe(ack.seq);
    // The server's clock is this machine's: stored between the publish and its acknowledgement.
    expect(message!.storedAtMs).toBeGreaterThanOrEqual(publishedAt - 5);
    expect(message!.storedAtMs).toBeLessThanOrEqual(Date.now());
    await consumer.stop();

    // Acked: nothing is pending for the durable any more (the server applies acks on its own time).
    const info = await eventually(
      async () => {
        const current = await bus.jsm.consumers.info(stream, 'reader');
        return current.num_ack_pending === 0 && current;
      },
      { what: 'the ack to be applied' },
    );
    expect(info.num_pending).toBe(0);
  });

  it('stores a repeated Nats-Msg-Id once and handles it once', async () => {
    const { stream, prefix } = await freshStream({ duplicateWindowMs: 60_000 });
    const first = await bus.publish(`${prefix}.evt`, 'payload', { msgId: 'dispatch-1' });
    const second = await bus.publish(`${prefix}.evt`, 'payload', { msgId: 'dispatch-1' });
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ stream, seq: first.seq, duplicate: true });
    await bus.publish(`${prefix}.evt`, 'sentinel', { msgId: 'dispatch-2' });

    const handled: string[] = [];
    const consumer = await bus.consume({ stream, durable: 'dedupe' }, (message) => {
      handled.push(message.string());
    });
    await eventually(() => handled.includes('sentinel'), { what: 'the sentinel' });
    await consumer.stop();
    expect(handled).toEqual(['payload', 'sentinel']);
    expect((await bus.jsm.streams.info(stream)).state.messages).toBe(2);
  });

  it('only delivers the subjects of filterSubjects', async () => {
    const { stream, prefix } = await freshStream();
    const handled: string[] = [];
    const consumer = await bus.consume(
      { stream, durable: 'filtered', filterSubjects: [`${prefix}.wanted`] },
      (message) => {
        handled.push(message.subject);
      },
    );
    await bus.publish(`${prefix}.ignored`, 'a');
    await bus.publish(`${prefix}.wanted`, 'b');
    await eventually(() => handled.length === 1, { what: 'the wanted message' });
    await consumer.stop();
    expect(handled).toEqual([`${prefix}.wanted`]);

    // The same durable declared with other subjects is updated in place. (nats-server 2.9
    // records the new filter but applies it only once the consumer is recreated; 2.10+ at once.)
    const updated = await bus.consume(
      { stream, durable: 'filtered', filterSubjects: [`${prefix}.other`] },
      () => {},
    );
    await updated.stop();
    expect((await bus.jsm.consumers.info(stream, 'filtered')).config.filter_subject).toBe(`${prefix}.other`);
  });

  it('runs handlers in parallel up to the concurrency limit', async () => {
    const { stream, prefix } = await freshStream();
    const gate = deferred();
    let active = 0;
    let finished = 0;
    const consumer = await bus.consume({ stream, durable: 'parallel', concurrency: 2 }, async () => {
      active += 1;
      await gate.promise;
      active -= 1;
      finished += 1;
    });
    for (let i = 0; i < 3; i += 1) await bus.publish(`${prefix}.job`, String(i));
    await eventually(() => active === 2, { what: 'two jobs in parallel' });
    await sleep(300);
    expect(active).toBe(2); // the third waits for a free slot
    gate.resolve();
    await eventually(() => finished === 3, { what: 'all jobs' });
    await consumer.stop();
  });

  it('stop() stops fetching and waits for the handler in flight', async () => {
    const { stream, prefix } = await freshStream();
    const gate = deferred();
    const started: string[] = [];
    const finished: string[] = [];
    const consumer = await bus.consume({ stream, durable: 'stopping' }, async (message) => {
      started.push(message.string());
      await gate.promise;
      finished.push(message.string());
    });
    await bus.publish(`${prefix}.job`, 'first');
    await eventually(() => started.length === 1, { what: 'the first job' });
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await bus.publish(`${prefix}.job`, 'second');
    await sleep(100);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toEqual(['first']);
    expect(started).toEqual(['first']);
  });

  it('validates consumer options', async () => {
    const { stream } = await freshStream();
    await expect(bus.consume({ stream, durable: 'bad', concurrency: 0 }, () => {})).rejects.toThrow(
      /concurrency/,
    );
    await expect(bus.consume({ stream: uniqueName('NOPE'), durable: 'x' }, () => {})).rejects.toThrow(
      /does not exist/,
    );
  });

  it('rejects subjects with wildcards or empty tokens when publishing', async () => {
    await expect(bus.publish('a.*', 'x')).rejects.toThrow(/Invalid subject/);
    await expect(bus.publish('a..b', 'x')).rejects.toThrow(/Invalid subject/);
    await expect(bus.publish('.a', 'x')).rejects.toThrow(/Invalid subject/);
    await expect(bus.publish('a.', 'x')).rejects.toThrow(/Invalid subject/);
  });
});

describe('publish acknowledgements', () => {
  it('settles many concurrent publishes each with its own sequence', async () => {
    const { stream, prefix } = await freshStream();
    const acks = await Promise.all(
      Array.from({ length: 500 }, (_, n) => bus.publish(`${prefix}.evt`, String(n), { msgId: `m-${n}` })),
    );
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(500);
    expect(acks.every((ack) => ack.stream === stream && !ack.duplicate)).toBe(true);
    expect((await bus.jsm.streams.info(stream)).state.messages).toBe(500);
  });

  it('says when no stream stores the subject', async () => {
    await expect(bus.publish(`${uniqueName('nostream').toLowerCase()}.evt`, 'x')).rejects.toThrow(
      /no JetStream stream stores messages published to nostream/,
    );
  });

  it("fails with JetStream's own error when the stream refuses the message", async () => {
    const { prefix } = await freshStream();
    await expect(
      bus.publish(`${prefix}.evt`, 'x', { headers: { 'Nats-Expected-Stream': 'SOME_OTHER_STREAM' } }),
    ).rejects.toMatchObject({ name: 'JetStreamApiError', message: expect.stringMatching(/expected stream/i) });
  });

  it('refuses to publish once the connection drains, instead of sending what could not be acknowledged', async () => {
    const { prefix } = await freshStream();
    const draining = await Bus.connect({ servers: server.url, name: 'bus-spec-draining' });
    const drained = draining.connection.drain();
    await expect(draining.publish(`${prefix}.evt`, 'late')).rejects.toMatchObject({ name: 'DrainingConnectionError' });
    await drained;
  });

  it('times out when nothing acknowledges, and a late acknowledgement changes nothing', async () => {
    // A plain subscriber (not a stream) takes the message and answers only after the timeout.
    const subject = `${uniqueName('slow').toLowerCase()}.evt`;
    const late = bus.connection.subscribe(subject, {
      callback: (_error, message) => {
        setTimeout(() => message.respond(JSON.stringify({ stream: 'LATE', seq: 1 })), 400);
      },
    });
    const started = Date.now();
    await expect(bus.publish(subject, 'x', { timeoutMs: 150 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(400);
    await sleep(400);
    late.unsubscribe();
  });
});

describe('logging', () => {
  it('logs through a pino logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const logged = await Bus.connect({
      servers: server.url,
      name: 'logged',
      logger: pino({ level: 'debug' }, sink),
    });
    const { stream } = await freshStream();
    const consumer = await logged.consume({ stream, durable: 'logged' }, () => {});
    await consumer.stop();
    await logged.drain();
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'consumer started', stream, durable: 'logged' }),
        expect.objectContaining({ msg: 'NATS connection drained' }),
      ]),
    );
  });
});
