import { z } from 'zod';

/** The fields of a MESSAGE_CREATE / MESSAGE_UPDATE dispatch that moderation reads; the rest passes through. */
export const discordMessage = z
  .object({
    id: z.string().regex(/^\d+$/, 'id must be a Discord id'),
    channel_id: z.string().regex(/^\d+$/, 'channel_id must be a Discord id'),
    guild_id: z.string().regex(/^\d+$/).optional(),
    author: z
      .object({
        id: z.string(),
        username: z.string(),
        global_name: z.string().nullish(),
        bot: z.boolean().optional(),
        system: z.boolean().optional(),
      })
      .loose()
      .optional(),
    member: z
      .object({ roles: z.array(z.string()), nick: z.string().nullish(), joined_at: z.string().nullish() })
      .loose()
      .optional(),
    content: z.string().optional(),
    timestamp: z.string().optional(),
    edited_timestamp: z.string().nullish(),
    attachments: z.array(z.object({ url: z.string() }).loose()).optional(),
    webhook_id: z.string().optional(),
    type: z.number().int().optional(),
  })
  .loose();
export type DiscordMessage = z.infer<typeof discordMessage>;

/** Message types a member writes (default, reply); joins, pins and boosts are not judged. */
export const MEMBER_MESSAGE_TYPES: ReadonlySet<number> = new Set([0, 19]);
