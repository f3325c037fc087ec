import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import {
  Buckets,
  GATEWAY_STATUS_STALE_MS,
  gatewayShardStatus,
  gatewayStatusKey,
  shardOfGuild,
  type GatewayShardStatus,
  type ShardFailure,
} from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';

export type GatewayState = 'online' | 'connecting' | 'offline' | 'failed';

export interface GuildGateway {
  state: GatewayState;
  failure: ShardFailure | null;
}

const OFFLINE: GuildGateway = { state: 'offline', failure: null };

/**
 * Whether the gateway shard that carries a guild is connected, from KV `gateway-status`.
 * "offline" means no running gateway serves it (none started, or its replica died: an entry
 * not refreshed in time is treated as gone).
 */
@Injectable()
export class GatewayStatusReader {
  constructor(
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The state of each guild's shard; one look-up of the shard count per application. */
  async forGuilds(guilds: Array<{ guildId: string; applicationId: string }>): Promise<Map<string, GuildGateway>> {
    const result = new Map<string, GuildGateway>();
    try {
      const kv = await this.bus.kv(Buckets.gatewayStatus.name);
      const shardCounts = new Map<string, Promise<number | undefined>>();
      const read = async (key: string): Promise<GatewayShardStatus | undefined> => {
        const entry = await kv.get(key);
        if (!entry || entry.operation !== 'PUT') return undefined;
        if (Date.now() - entry.created.getTime() > GATEWAY_STATUS_STALE_MS) return undefined;
        const parsed = gatewayShardStatus.safeParse(safeJson(entry.string()));
        return parsed.success ? parsed.data : undefined;
      };
      const shardCountOf = async (applicationId: string): Promise<number | undefined> => {
        // Every entry of an application carries the same count: any live one will do.
        for await (const key of await kv.keys(`${applicationId}.*`)) {
          const status = await read(key);
          if (status) return status.shardCount;
        }
        return undefined;
      };
      await Promise.all(
        guilds.map(async ({ guildId, applicationId }) => {
          if (!shardCounts.has(applicationId)) shardCounts.set(applicationId, shardCountOf(applicationId));
          const shardCount = await shardCounts.get(applicationId);
          const status = shardCount
            ? await read(gatewayStatusKey(applicationId, shardOfGuild(guildId, shardCount)))
            : undefined;
          result.set(guildId, status ? toGuildGateway(status) : OFFLINE);
        }),
      );
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the gateway status');
    }
    return result;
  }
}

function toGuildGateway(status: GatewayShardStatus): GuildGateway {
  const state: GatewayState =
    status.state === 'ready' ? 'online' : status.state === 'connecting' ? 'connecting' : status.state === 'failed' ? 'failed' : 'offline';
  return { state, failure: status.failure ?? null };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
