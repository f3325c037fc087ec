import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/**
 * Deletes every JetStream stream on the server, key-value buckets (`KV_*`) and object
 * stores (`OBJ_*`) included, so a test that uses the well-known stream names starts clean.
 * Returns the names of the deleted streams.
 */
export async function resetJetStream(natsUrl: string | undefined = process.env.NATS_URL): Promise<string[]> {
  if (!natsUrl) throw new Error('resetJetStream needs a NATS URL: pass one or set NATS_URL');
  const connection = await connect({ servers: natsUrl, name: 'steward-test-reset' });
  try {
    const manager = await jetstreamManager(connection);
    const names: string[] = [];
    for await (const name of manager.streams.names()) names.push(name);
    await Promise.all(names.map((name) => manager.streams.delete(name)));
    return names;
  } finally {
    await connection.close();
  }
}
