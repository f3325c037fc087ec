import { Inject, Injectable } from '@nestjs/common';
import { DirectoryRpc, type GuildDirectoryReply } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import { RpcClient } from '../rpc/rpc.client.js';

/** The directory is a nicety for the dashboard: never wait long for it. */
const DIRECTORY_TIMEOUT_MS = 2_000;

/** The router's guild directory (channels, roles), when the router is there and knows the guild. */
@Injectable()
export class DirectoryClient {
  constructor(
    private readonly rpc: RpcClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Null when the router is not running, does not know the guild, or fails. */
  async guild(guildId: string): Promise<GuildDirectoryReply | null> {
    try {
      return await this.rpc.request(DirectoryRpc.guild, { guildId }, { timeoutMs: DIRECTORY_TIMEOUT_MS });
    } catch (error) {
      this.logger.debug({ guildId, err: (error as Error).message }, 'guild directory unavailable');
      return null;
    }
  }
}
