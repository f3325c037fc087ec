import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from './bus.js';
import { RpcError } from './errors.js';
import { sleep } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

let server: NatsTestServer;
let client: Bus;
let replicaA: Bus;
let replicaB: Bus;

beforeAll(async () => {
  server = await useNatsServer();
  [client, replicaA, replicaB] = await Promise.all(
    ['client', 'replica-a', 'replica-b'].map((name) => Bus.connect({ servers: server.url, name })),
  );
});

afterAll(async () => {
  await Promise.all([client, replicaA, replicaB].map((bus) => bus?.drain()));
  await server?.stop();
});

const rpcSubject = (verb: string): string => `rpc.${uniqueName('svc').toLowerCase()}.${verb}`;

describe('request/reply', () => {
  it('shares requests between replicas of a queue group, each answered once', async () => {
    const subject = rpcSubject('reserve');
    const servedBy: string[] = [];
    for (const [name, bus] of [
      ['a', replicaA],
      ['b', replicaB],
    ] as const) {
      bus.serveJson<{ n: number }>(subject, ({ n }) => {
        servedBy.push(name);
        return { n: n * 2, by: name };
      });
    }
    await Promise.all([replicaA.connection.flush(), replicaB.connection.flush()]);

    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, n) => client.requestJson<{ n: number; by: string }>(subject, { n })),
    );
    expect(replies.map((reply) => reply.n)).toEqual(Array.from({ length: 40 }, (_, n) => n * 2));
    expect(servedBy).toHaveLength(40);
    expect(new Set(servedBy)).toEqual(new Set(['a', 'b']));
  });

  it('carries bytes and request headers', async () => {
    const subject = rpcSubject('echo');
    let tenant: string | undefined;
    replicaA.serve(subject, (request) => {
      tenant = request.headers['X-Tenant'];
      return new Uint8Array([...request.data].reverse());
    });
    await replicaA.connection.flush();
    const reply = await client.request(subject, new Uint8Array([1, 2, 3]), { headers: { 'X-Tenant': 't1' } });
    expect([...reply.data]).toEqual([3, 2, 1]);
    expect(tenant).toBe('t1');
  });

  it('turns a handler failure into an RpcError with its code and message', async () => {
    const subject = rpcSubject('quota');
    replicaA.serve(subject, () => {
      throw new RpcError('quota_exceeded', 'monthly quota used up');
    });
    const crashing = rpcSubject('crash');
    replicaA.serve(crashing, () => {
      throw new TypeError('cannot read properties of undefined');
    });
    await replicaA.connection.flush();

    await expect(client.request(subject, '')).rejects.toMatchObject({
      name: 'RpcError',
      code: 'quota_exceeded',
      message: 'monthly quota used up',
    });
    await expect(client.request(crashing, '')).rejects.toMatchObject({
      code: 'internal',
      message: 'cannot read properties of undefined',
    });
  });

  it('answers a malformed JSON request with bad_request', async () => {
    const subject = rpcSubject('json');
    replicaA.serveJson(subject, () => ({ ok: true }));
    await replicaA.connection.flush();
    await expect(client.request(subject, '{not json')).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('times out when the responder is too slow, and reports when nobody serves the subject', async () => {
    const subject = rpcSubject('slow');
    replicaA.serve(subject, async () => {
      await sleep(500);
      return 'late';
    });
    await replicaA.connection.flush();
    const started = Date.now();
    await expect(client.request(subject, '', { timeoutMs: 150 })).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(450);
    await expect(client.request(rpcSubject('nobody'), '', { timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'no_responders',
    });
  });

  it('stops serving after stop(), finishing the request in flight', async () => {
    const subject = rpcSubject('stop');
    const handle = replicaB.serve(subject, async () => {
      await sleep(100);
      return 'done';
    });
    await replicaB.connection.flush();
    const inFlight = client.request(subject, '');
    await sleep(30);
    await handle.stop();
    expect((await inFlight).string()).toBe('done');
    await expect(client.request(subject, '', { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'no_responders',
    });
  });
});
