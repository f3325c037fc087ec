import type { SessionInfo } from '@discordjs/ws';
import type { KV } from '@nats-io/kv';
import type { Logger } from '@steward/telemetry';
import { z } from 'zod';

/** What `gateway-sessions` holds per `<appId>.<shardId>`: enough to RESUME after a restart. */
export const storedSession = z.object({
  sessionId: z.string().min(1),
  sequence: z.number().int().min(0),
  resumeURL: z.string().min(1),
  shardCount: z.number().int().min(1),
});
export type StoredSession = z.infer<typeof storedSession>;

/**
 * Gateway sessions of one application. The library sees the live session (its sequence is the
 * last dispatch received, used for heartbeats and in-process resumes); KV only ever gets the
 * sequence of the last dispatch JetStream acknowledged, so a replica that crashes resumes from a
 * point where nothing after it was lost. Writes are batched: at most one per shard per flush.
 */
export class SessionStore {
  private readonly live = new Map<number, SessionInfo>();
  private readonly acknowledged = new Map<number, StoredSession>();
  private readonly dirty = new Set<number>();
  private keepSessions = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly kv: KV,
    private readonly applicationId: string,
    private readonly logger: Logger,
  ) {}

  key(shardId: number): string {
    return `${this.applicationId}.${shardId}`;
  }

  /** Reads the stored sessions of these shards, so their first connection resumes. */
  async load(shardIds: number[]): Promise<number> {
    let found = 0;
    for (const shardId of shardIds) {
      const entry = await this.kv.get(this.key(shardId));
      if (!entry || entry.operation !== 'PUT') continue;
      const parsed = storedSession.safeParse(safeJson(entry.string()));
      if (!parsed.success) {
        this.logger.warn({ key: this.key(shardId) }, 'ignoring an unreadable stored gateway session; the shard will identify');
        continue;
      }
      this.acknowledged.set(shardId, parsed.data);
      this.live.set(shardId, { ...parsed.data, shardId });
      found++;
    }
    return found;
  }

  /** `retrieveSessionInfo` of the WebSocketManager. */
  retrieve(shardId: number): SessionInfo | null {
    return this.live.get(shardId) ?? null;
  }

  /** `updateSessionInfo` of the WebSocketManager. */
  update(shardId: number, info: SessionInfo | null): void {
    if (info) {
      this.live.set(shardId, info);
      return;
    }
    // The library forgets sessions when it closes a shard for good; on our own shutdown or pause
    // the session must stay resumable, so keep it.
    if (this.keepSessions) return;
    this.live.delete(shardId);
    if (this.acknowledged.delete(shardId)) this.dirty.add(shardId);
  }

  /** JetStream stored every dispatch of `sessionId` up to `sequence` on this shard. */
  acknowledge(shardId: number, sessionId: string, sequence: number): void {
    const live = this.live.get(shardId);
    if (!live || live.sessionId !== sessionId) return; // a session the shard has since left
    const current = this.acknowledged.get(shardId);
    if (current?.sessionId === sessionId && current.sequence >= sequence) return;
    this.acknowledged.set(shardId, { sessionId, sequence, resumeURL: live.resumeURL, shardCount: live.shardCount });
    this.dirty.add(shardId);
  }

  /** While set, the library's "forget this session" is ignored (shutdown, pause). */
  keepSessionsOnClose(keep: boolean): void {
    this.keepSessions = keep;
  }

  /**
   * Makes the next resume start after the last acknowledged dispatch, so Discord replays what was
   * received but dropped (after a pause for a full backlog).
   */
  rewindToAcknowledged(): void {
    for (const [shardId, live] of this.live) {
      const acknowledged = this.acknowledged.get(shardId);
      if (acknowledged?.sessionId === live.sessionId) this.live.set(shardId, { ...live, sequence: acknowledged.sequence });
      else this.live.delete(shardId); // nothing of this session is safe yet: identify anew
    }
  }

  /** Writes the changed sessions to KV; calls never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeDirty());
    return this.flushing;
  }

  private async writeDirty(): Promise<void> {
    for (const shardId of [...this.dirty]) {
      this.dirty.delete(shardId);
      const session = this.acknowledged.get(shardId);
      try {
        if (session) await this.kv.put(this.key(shardId), JSON.stringify(session));
        else await this.kv.delete(this.key(shardId));
      } catch (error) {
        this.dirty.add(shardId);
        this.logger.warn({ err: error, key: this.key(shardId) }, 'could not store the gateway session; retrying at the next flush');
      }
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
