import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { resetJetStream, storedMessages } from './jetstream.js';

let connection: NatsConnection;
let manager: JetStreamManager;

beforeAll(async () => {
  connection = await connect({ servers: process.env.NATS_URL });
  manager = await jetstreamManager(connection);
});

beforeEach(() => resetJetStream());

afterAll(async () => {
  await resetJetStream();
  await connection?.close();
});

describe('resetJetStream', () => {
  it('deletes every stream and key-value bucket', async () => {
    await manager.streams.add({ name: 'STEWARD', subjects: ['steward.>'] });
    const bucket = await new Kvm(connection).create('config-guilds');
    await bucket.put('guild-1', '{"responseMode":"all"}');

    const deleted = await resetJetStream(process.env.NATS_URL);

    expect(deleted.sort()).toEqual(['KV_config-guilds', 'STEWARD']);
    const remaining: string[] = [];
    for await (const name of manager.streams.names()) remaining.push(name);
    expect(remaining).toEqual([]);
    // The well-known names can be created again from scratch.
    const again = await manager.streams.add({ name: 'STEWARD', subjects: ['steward.>'] });
    expect(again.state.messages).toBe(0);
  });

  it('says what is missing without a NATS URL', async () => {
    await expect(resetJetStream('')).rejects.toThrow('resetJetStream needs a NATS URL');
  });
});

describe('storedMessages', () => {
  it("lists a stream's messages on one subject, oldest first, past a deleted one", async () => {
    await manager.streams.add({ name: 'STEWARD', subjects: ['steward.>'] });
    const js = manager.jetstream();
    const encoder = new TextEncoder();
    await js.publish('steward.a', encoder.encode('first'));
    const deleted = await js.publish('steward.a', encoder.encode('deleted'));
    await js.publish('steward.b', encoder.encode('other subject'));
    await js.publish('steward.a', encoder.encode('last'));
    await manager.streams.deleteMessage('STEWARD', deleted.seq);

    const stored = await storedMessages(manager, 'STEWARD', 'steward.a');

    expect(stored.map(({ seq, subject, data }) => [seq, subject, new TextDecoder().decode(data)])).toEqual([
      [1, 'steward.a', 'first'],
      [4, 'steward.a', 'last'],
    ]);
    expect(await storedMessages(manager, 'STEWARD', 'steward.none')).toEqual([]);
  });
});
