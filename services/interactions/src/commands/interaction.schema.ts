import { z } from 'zod';

const snowflake = z.string().regex(/^\d{15,21}$/);
const user = z.object({ id: snowflake, username: z.string(), global_name: z.string().nullish(), bot: z.boolean().optional() });

const option = z.object({ name: z.string(), type: z.number().int(), value: z.union([z.string(), z.number(), z.boolean()]).optional() });

/** The fields of an interaction Steward relies on (Discord sends many more; they pass through). */
export const interactionSchema = z.object({
  id: snowflake,
  application_id: snowflake,
  type: z.number().int(),
  token: z.string().min(1).max(500),
  guild_id: snowflake.optional(),
  channel_id: snowflake.optional(),
  /** The channel's id and type, and for a thread or a channel in a category, what it sits in. */
  channel: z.object({ id: snowflake, type: z.number().int(), parent_id: snowflake.nullish() }).partial().optional(),
  member: z.object({ user, nick: z.string().nullish(), roles: z.array(snowflake).default([]) }).optional(),
  user: user.optional(),
  locale: z.string().optional(),
  guild_locale: z.string().optional(),
  /** A command's name and options, or the custom id of the button pressed. */
  data: z
    .object({
      name: z.string().optional(),
      type: z.number().int().optional(),
      options: z.array(option).optional(),
      custom_id: z.string().max(100).optional(),
    })
    .optional(),
});
export type Interaction = z.infer<typeof interactionSchema>;

export const InteractionType = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3 } as const;
export const ResponseType = { Pong: 1, ChannelMessage: 4, DeferredChannelMessage: 5 } as const;
/** Message flag: only the member who ran the command sees the message. */
export const EPHEMERAL = 1 << 6;

export type InteractionResponse =
  | { type: typeof ResponseType.Pong }
  | { type: typeof ResponseType.DeferredChannelMessage }
  | { type: typeof ResponseType.ChannelMessage; data: { content: string; flags?: number; allowed_mentions: { parse: [] } } };

export function ephemeral(content: string): InteractionResponse {
  return { type: ResponseType.ChannelMessage, data: { content, flags: EPHEMERAL, allowed_mentions: { parse: [] } } };
}
