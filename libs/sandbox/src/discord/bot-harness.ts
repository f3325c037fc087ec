import { Client } from '@discordjs/core';
import { REST } from '@discordjs/rest';
import { WebSocketManager, type SessionInfo } from '@discordjs/ws';
import type { DiscordSandbox } from './sandbox.js';

export interface BotHarness {
  client: Client;
  rest: REST;
  gateway: WebSocketManager;
  /** Gateway session info per shard, as the client stores it (resume state). */
  sessions: Map<number, SessionInfo>;
  destroy(): Promise<void>;
}

/**
 * The real, unmodified discord.js stack (`@discordjs/core` on `@discordjs/ws` + `@discordjs/rest`) pointed at
 * a sandbox. Session info is kept per harness, not in the library's process-wide default store, so several
 * bots in one process do not resume each other's sessions.
 */
export function createBot(
  sandbox: DiscordSandbox,
  token: string,
  options: {
    intents: number;
    shardCount?: number;
    shardIds?: number[];
    /**
     * The library waits a hard-coded 5 s between identifies of one bucket; tests that re-identify skip that wait
     * (the sandbox's own identify limit still applies).
     */
    skipIdentifyThrottle?: boolean;
  },
): BotHarness {
  const rest = new REST({ api: sandbox.apiUrl, version: '10', retries: 1, timeout: 5_000 }).setToken(token);
  const sessions = new Map<number, SessionInfo>();
  const gateway = new WebSocketManager({
    token,
    intents: options.intents,
    rest,
    shardCount: options.shardCount ?? null,
    shardIds: options.shardIds ?? null,
    ...(options.skipIdentifyThrottle
      ? { buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }) }
      : {}),
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
  });
  const client = new Client({ rest, gateway });
  return {
    client,
    rest,
    gateway,
    sessions,
    async destroy() {
      await gateway.destroy();
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
