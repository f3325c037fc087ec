import { describe, expect, it } from '@jest/globals';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { resetJetStream } from './jetstream.js';

describe('resetJetStream', () => {
  it('deletes every stream and key-value bucket', async () => {
    const connection = await connect({ servers: process.env.NATS_URL });
    try {
      await resetJetStream();
      const manager = await jetstreamManager(connection);
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
      await resetJetStream();
    } finally {
      await connection.close();
    }
  });

  it('says what is missing without a NATS URL', async () => {
    await expect(resetJetStream('')).rejects.toThrow('resetJetStream needs a NATS URL');
  });
});
