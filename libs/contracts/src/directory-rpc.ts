/**
 * Request/reply contracts of the guild directory (core NATS, JSON). Moderation compares the
 * bot's top role with a member's; proactive posts resolve a channel by name; /ask finds the
 * category a thread's channel sits in.
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{1,25}$/, 'must be a Discord id');
/** A permission bit set as a decimal string (it exceeds 2^53), as Discord writes it. */
export const permissionBits = z.string().regex(/^\d+$/, 'must be a permission bit set as a decimal string');

export const channelView = z.object({
  id: z.string(),
  name: z.string(),
  /** Discord's ChannelType (0 text, 2 voice, 4 category, 5 announcement, 15 forum...). */
  type: z.number().int(),
  parentId: z.string().nullable(),
  position: z.number().int(),
  permissionOverwrites: z.array(
    z.object({ id: z.string(), type: z.number().int(), allow: permissionBits, deny: permissionBits }),
  ),
});
export type ChannelView = z.infer<typeof channelView>;

/**
 * Discord's thread channel types (announcement, public and private threads). The directory
 * keeps a guild's active threads among its `channels`, with their parent channel's id.
 */
export const THREAD_CHANNEL_TYPES: readonly number[] = [10, 11, 12];

export function isThreadChannel(type: number): boolean {
  return THREAD_CHANNEL_TYPES.includes(type);
}

export const roleView = z.object({
  id: z.string(),
  name: z.string(),
  position: z.number().int(),
  permissions: permissionBits,
  managed: z.boolean(),
  /** The bot user whose managed role this is. */
  botId: z.string().nullable(),
});
export type RoleView = z.infer<typeof roleView>;

/** Where a channel sits: a thread or not, and what it sits in, innermost first. */
export const channelPlaceView = z.object({
  isThread: z.boolean(),
  /** A thread's channel then that channel's category; a channel's category; none at the top. */
  parentIds: z.array(z.string()),
});
export type ChannelPlaceView = z.infer<typeof channelPlaceView>;

export const DirectoryRpc = {
  guild: {
    subject: 'rpc.router.directory.guild',
    request: z.object({
      guildId: snowflake,
      /** The bot whose roles to report; defaults to the application that serves the guild. */
      applicationId: snowflake.optional(),
    }),
    reply: z.object({
      guild: z.object({ id: z.string(), name: z.string(), ownerId: z.string(), applicationId: z.string() }),
      /** Its channels and active threads (see THREAD_CHANNEL_TYPES). */
      channels: z.array(channelView),
      /** Highest position first, as Discord lists the hierarchy. */
      roles: z.array(roleView),
      botRoleIds: z.array(z.string()),
      /** The bot's user, whose own overwrites a channel may carry (absent until the router learns it). */
      botUserId: z.string().optional(),
      /** Position of the bot's highest role (0 when it holds only @everyone). */
      botTopRolePosition: z.number().int(),
      ownerId: z.string(),
    }),
  },
  channelByName: {
    subject: 'rpc.router.directory.channel-by-name',
    request: z.object({
      guildId: snowflake,
      /** Case-insensitive; a leading "#" is ignored. */
      name: z.string().trim().min(1, 'name must not be empty').max(100),
    }),
    /** Text channels are preferred over others of the same name; null when none matches. */
    reply: z.object({ channel: channelView.nullable() }),
  },
  channelPlace: {
    subject: 'rpc.router.directory.channel-place',
    request: z.object({ channelId: snowflake }),
    /** Null when the directory does not know the channel. */
    reply: z.object({ place: channelPlaceView.nullable() }),
  },
} as const;

export type GuildDirectoryReply = z.infer<typeof DirectoryRpc.guild.reply>;
export type ChannelByNameReply = z.infer<typeof DirectoryRpc.channelByName.reply>;
export type ChannelPlaceReply = z.infer<typeof DirectoryRpc.channelPlace.reply>;

/** Application-facing error codes of the directory RPCs. */
export const DirectoryErrorCode = { NotFound: 'not_found' } as const;
