import { Inject, Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { DirectoryRpc, isThreadChannel, type GuildSettings } from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { Interaction } from './interaction.schema.js';

/** Discord wants the ACK within 3 s: the directory gets a small part of them. */
const DIRECTORY_TIMEOUT_MS = 500;
/** Long enough to spare the directory a request per /ask in a busy thread, short enough for a moved channel. */
const KEEP_MS = 60_000;
const MAX_THREADS = 10_000;

/**
 * What an interaction's channel sits in, innermost first, for its response mode. The payload
 * names one level: a channel's category, or a thread's channel. A thread's category is asked of
 * the router's directory, and only when an override could be there.
 */
@Injectable()
export class ChannelParents {
  private readonly known = new Map<string, { parentIds: string[]; until: number }>();

  constructor(
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async of(
    channelId: string,
    channel: Interaction['channel'],
    overrides: GuildSettings['channelOverrides'],
  ): Promise<string[]> {
    const parentId = channel?.parent_id ?? undefined;
    const payloadParents = parentId ? [parentId] : [];
    const mayBeThread = channel?.type === undefined || isThreadChannel(channel.type);
    const overrideFurtherUp = Object.keys(overrides).some((id) => id !== channelId && id !== parentId);
    if (!parentId || !mayBeThread || overrides[channelId] || overrides[parentId] || !overrideFurtherUp) {
      return payloadParents;
    }
    const nowMs = Date.now();
    const cached = this.known.get(channelId);
    if (cached && cached.until > nowMs) return cached.parentIds;
    const parentIds = await this.askDirectory(channelId);
    if (!parentIds) return payloadParents;
    if (this.known.size >= MAX_THREADS) this.known.delete(this.known.keys().next().value!);
    this.known.set(channelId, { parentIds, until: nowMs + KEEP_MS });
    return parentIds;
  }

  /** Undefined when the directory cannot say: the payload's one level holds then. */
  private async askDirectory(channelId: string): Promise<string[] | undefined> {
    try {
      const reply = DirectoryRpc.channelPlace.reply.parse(
        await this.bus.requestJson(
          DirectoryRpc.channelPlace.subject,
          { channelId },
          { timeoutMs: DIRECTORY_TIMEOUT_MS },
        ),
      );
      return reply.place?.parentIds;
    } catch (error) {
      this.logger.warn(
        { channelId, err: (error as Error).message },
        "the router's directory did not say which category this thread's channel is in; /ask goes by the thread's channel alone",
      );
      return undefined;
    }
  }
}
