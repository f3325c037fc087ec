import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Bus } from '@steward/bus';
import { shardForGuild, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { createLogger, type Logger } from '@steward/telemetry';
import { WebSocket } from 'ws';
import { gatewayService } from '../src/service.js';

export interface StoredEvent {
  subject: string;
  headers: Record<string, string>;
  json: unknown;
}

/** Every message of the DISCORD_EVT stream whose subject passes `filter`, oldest first. */
export async function readEvents(
  filter: (subject: string) => boolean = () => true,
  natsUrl = process.env.NATS_URL!,
): Promise<StoredEvent[]> {
  const connection = await connect({ servers: natsUrl, name: 'gateway-test-reader' });
  try {
    const manager = await jetstreamManager(connection);
    const { state } = await manager.streams.info('DISCORD_EVT');
    const events: StoredEvent[] = [];
    if (state.messages === 0) return events;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const message = await manager.streams.getMessage('DISCORD_EVT', { seq }).catch(() => null);
      if (!message || !filter(message.subject)) continue;
      const headers: Record<string, string> = {};
      for (const key of message.header?.keys() ?? []) headers[key] = message.header!.get(key);
      events.push({ subject: message.subject, headers, json: message.json() });
    }
    return events;
  } finally {
    await connection.close();
  }
}

/** Guilds of `applicationId`, one on each of `shardCount` shards (creates guilds until every shard has one). */
export function guildPerShard(sandbox: DiscordSandbox, applicationId: string, shardCount: number): GuildSnapshot[] {
  const byShard = new Map<number, GuildSnapshot>();
  for (let attempt = 0; byShard.size < shardCount; attempt++) {
    if (attempt > 200) throw new Error('could not place a guild on every shard');
    const guild = sandbox.createGuild({ name: `Guild ${attempt}`, applicationIds: [applicationId] });
    const shard = shardForGuild(guild.id, shardCount);
    if (!byShard.has(shard)) byShard.set(shard, guild);
  }
  return [...byShard.entries()].sort(([a], [b]) => a - b).map(([, guild]) => guild);
}

export interface GatewayObserver {
  dispatches: Array<{ t: string; s: number; d: unknown }>;
  close(): void;
}

/**
 * A bare gateway client on the wire: identifies on one shard and records each dispatch exactly as
 * the sandbox serialized it, to compare with what the gateway stored.
 */
export async function observeGateway(
  sandbox: DiscordSandbox,
  token: string,
  shard: [number, number],
  intents: number,
): Promise<GatewayObserver> {
  const socket = new WebSocket(`${sandbox.gatewayUrl}?v=10&encoding=json`);
  const dispatches: GatewayObserver['dispatches'] = [];
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (data) => {
      const payload = JSON.parse(String(data)) as { op: number; t: string; s: number; d: unknown };
      if (payload.op === 10) {
        socket.send(JSON.stringify({ op: 2, d: { token, intents, shard, properties: { os: 'linux', browser: 'test', device: 'test' } } }));
      } else if (payload.op === 0) {
        dispatches.push({ t: payload.t, s: payload.s, d: payload.d });
        if (payload.t === 'READY') resolve();
      }
    });
  });
  return { dispatches, close: () => socket.terminate() };
}

/** A JSON logger whose lines are kept in memory, for asserting what an operator would read. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    service: 'gateway',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** A bus for ApplicationGateway tests, with the stream and buckets the gateway service declares. */
export async function gatewayBus(name: string, natsUrl = process.env.NATS_URL!): Promise<Bus> {
  const bus = await Bus.connect({ servers: natsUrl, name });
  await bus.ensureStreams(gatewayService.streams ?? []);
  await bus.ensureBuckets(gatewayService.buckets ?? []);
  return bus;
}
