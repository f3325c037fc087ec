import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
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

/** A message as the stream keeps it. */
export interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

/**
 * The messages a stream holds on `subject`, oldest first: what a test reads to see what was
 * published (and, with `manager.streams.deleteMessage`, to take one back before it is consumed).
 */
export async function storedMessages(manager: JetStreamManager, stream: string, subject: string): Promise<StoredMessage[]> {
  const { state } = await manager.streams.info(stream);
  const found: StoredMessage[] = [];
  if (state.messages === 0) return found;
  for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
    // A gap (a deleted or expired message) is skipped.
    const message = await manager.streams.getMessage(stream, { seq }).catch(() => null);
    if (message?.subject === subject) found.push({ seq, subject, data: message.data });
  }
  return found;
}
