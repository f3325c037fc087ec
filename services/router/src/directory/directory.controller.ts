import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { RpcError, RpcErrorCode } from '@steward/bus';
import { z } from '@steward/config';
import {
  DirectoryErrorCode,
  DirectoryRpc,
  type ChannelByNameReply,
  type ChannelPlaceReply,
  type GuildDirectoryReply,
} from '@steward/contracts';
import { DirectoryStore } from './directory.store.js';

/** Answers other services' questions about guilds: names, channels, where a channel sits, the role hierarchy. */
@Controller()
export class DirectoryController {
  constructor(private readonly store: DirectoryStore) {}

  @MessagePattern(DirectoryRpc.guild.subject)
  async guild(@Payload() body: unknown): Promise<GuildDirectoryReply> {
    const { guildId, applicationId } = parseRequest(
      DirectoryRpc.guild.request,
      body,
      DirectoryRpc.guild.subject,
    );
    const view = await this.store.guildView(guildId, applicationId);
    if (!view) throw new RpcError(DirectoryErrorCode.NotFound, `guild ${guildId} is not in the directory`);
    return view;
  }

  @MessagePattern(DirectoryRpc.channelByName.subject)
  async channelByName(@Payload() body: unknown): Promise<ChannelByNameReply> {
    const { guildId, name } = parseRequest(
      DirectoryRpc.channelByName.request,
      body,
      DirectoryRpc.channelByName.subject,
    );
    return { channel: await this.store.channelByName(guildId, name) };
  }

  @MessagePattern(DirectoryRpc.channelPlace.subject)
  async channelPlace(@Payload() body: unknown): Promise<ChannelPlaceReply> {
    const { channelId } = parseRequest(
      DirectoryRpc.channelPlace.request,
      body,
      DirectoryRpc.channelPlace.subject,
    );
    return { place: (await this.store.channelPlace(channelId)) ?? null };
  }
}

function parseRequest<S extends z.ZodType>(schema: S, body: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new RpcError(
      RpcErrorCode.BadRequest,
      `invalid ${subject} request: ${z.prettifyError(result.error).replace(/\n/g, '; ')}`,
    );
  }
  return result.data;
}
