import { discordEventSubject } from '@steward/contracts';

/** The guild a dispatch is about: `guild_id`, or the guild itself for GUILD_CREATE/UPDATE/DELETE. */
export function guildIdOf(type: string, data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const record = data as { guild_id?: unknown; id?: unknown };
  const candidate = type === 'GUILD_CREATE' || type === 'GUILD_UPDATE' || type === 'GUILD_DELETE' ? record.id : record.guild_id;
  return typeof candidate === 'string' && /^\d+$/.test(candidate) ? candidate : null;
}

/** `<appId>:<sessionId>:<sequence>`: the same dispatch replayed after a RESUME gets the same id. */
export function dispatchMessageId(applicationId: string, sessionId: string, sequence: number): string {
  return `${applicationId}:${sessionId}:${sequence}`;
}

export interface DispatchEnvelope {
  subject: string;
  msgId: string;
  /** The dispatch's `d`, as JSON. */
  data: Uint8Array;
  headers: Record<string, string>;
}

/** How one gateway dispatch travels on JetStream. */
export function dispatchEnvelope(
  applicationId: string,
  shardId: number,
  sessionId: string,
  dispatch: { t: string; s: number; d: unknown },
): DispatchEnvelope {
  return {
    subject: discordEventSubject(applicationId, guildIdOf(dispatch.t, dispatch.d), dispatch.t),
    msgId: dispatchMessageId(applicationId, sessionId, dispatch.s),
    data: Buffer.from(JSON.stringify(dispatch.d ?? null)),
    headers: {
      'Content-Type': 'application/json',
      'Discord-Event-Type': dispatch.t,
      'Discord-Shard': String(shardId),
      'Discord-Sequence': String(dispatch.s),
    },
  };
}
