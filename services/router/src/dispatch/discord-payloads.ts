/**
 * The fields of Discord's gateway dispatches the router relies on, validated at the edge.
 * Payloads arrive on the bus exactly as Discord sent them; everything not listed here is
 * ignored. The `Accepts` checks at the bottom keep these schemas in step with
 * discord-api-types: a real Discord payload must always pass them.
 */
import { z } from '@steward/config';
import { permissionBits } from '@steward/contracts';
import type {
  GatewayChannelModifyDispatchData,
  GatewayGuildCreateDispatchData,
  GatewayGuildDeleteDispatchData,
  GatewayGuildMemberUpdateDispatchData,
  GatewayGuildRoleDeleteDispatchData,
  GatewayGuildRoleModifyDispatchData,
  GatewayGuildUpdateDispatchData,
  GatewayMessageCreateDispatchData,
  GatewayReadyDispatchData,
  GatewayThreadCreateDispatchData,
  GatewayThreadDeleteDispatchData,
  GatewayThreadListSyncDispatchData,
  GatewayThreadUpdateDispatchData,
} from 'discord-api-types/v10';

const snowflake = z.string().regex(/^\d{1,25}$/, 'must be a Discord id');

const user = z.object({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish(),
  bot: z.boolean().optional(),
});

export const permissionOverwrite = z.object({
  id: snowflake,
  type: z.number().int(),
  allow: permissionBits,
  deny: permissionBits,
});
export type PermissionOverwrite = z.infer<typeof permissionOverwrite>;

export const channel = z.object({
  id: snowflake,
  type: z.number().int(),
  guild_id: snowflake.optional(),
  name: z.string().nullish(),
  position: z.number().int().optional(),
  parent_id: snowflake.nullish(),
  permission_overwrites: z.array(permissionOverwrite).optional(),
});
export type DiscordChannel = z.infer<typeof channel>;

export const role = z.object({
  id: snowflake,
  name: z.string(),
  position: z.number().int(),
  permissions: permissionBits,
  managed: z.boolean(),
  tags: z.object({ bot_id: snowflake.optional() }).optional(),
});
export type DiscordRole = z.infer<typeof role>;

export const readyDispatch = z.object({
  user: z.object({ id: snowflake }),
  application: z.object({ id: snowflake }),
});

const guildFields = {
  id: snowflake,
  name: z.string(),
  owner_id: snowflake,
};

/** GUILD_CREATE: the whole guild; an outage sends only `{ id, unavailable: true }`. */
export const guildCreateDispatch = z.union([
  z.object({
    ...guildFields,
    unavailable: z.literal(false).optional(),
    channels: z.array(channel),
    /** Active threads; Discord always sends the field, older fixtures may not. */
    threads: z.array(channel).default([]),
    roles: z.array(role),
    members: z.array(z.object({ user: z.object({ id: snowflake }), roles: z.array(snowflake) })),
  }),
  z.object({ id: snowflake, unavailable: z.literal(true) }),
]);

export const guildUpdateDispatch = z.object(guildFields);

export const threadDeleteDispatch = z.object({ id: snowflake, guild_id: snowflake });

/** Sent when the bot gains access to channels: their active threads. */
export const threadListSyncDispatch = z.object({ guild_id: snowflake, threads: z.array(channel) });

export const guildDeleteDispatch = z.object({ id: snowflake, unavailable: z.boolean().optional() });

export const roleModifyDispatch = z.object({ guild_id: snowflake, role });

export const roleDeleteDispatch = z.object({ guild_id: snowflake, role_id: snowflake });

export const memberUpdateDispatch = z.object({
  guild_id: snowflake,
  user: z.object({ id: snowflake }),
  roles: z.array(snowflake),
});

export const messageCreateDispatch = z.object({
  id: snowflake,
  channel_id: snowflake,
  guild_id: snowflake.optional(),
  type: z.number().int(),
  content: z.string(),
  timestamp: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 timestamp'),
  author: user,
  /** The author's guild member (nick and roles); absent on webhook messages. */
  member: z.object({ nick: z.string().nullish(), roles: z.array(snowflake).optional() }).optional(),
  webhook_id: snowflake.optional(),
  mentions: z.array(z.object({ id: snowflake })),
  mention_roles: z.array(snowflake),
  referenced_message: z.object({ author: z.object({ id: snowflake }) }).nullish(),
});
export type DiscordMessage = z.infer<typeof messageCreateDispatch>;

/**
 * The gateway publishes a dispatch's data (`d`). A whole gateway frame (`{ op: 0, t, s, d }`)
 * is accepted too, so the router does not depend on which of the two a publisher chose.
 */
export function dispatchData(payload: unknown): unknown {
  if (
    typeof payload === 'object' &&
    payload !== null &&
    'op' in payload &&
    't' in payload &&
    'd' in payload
  ) {
    return (payload as { d: unknown }).d;
  }
  return payload;
}

/** Parses `data` with `schema`, or throws an Error naming the event and every bad field. */
export function parseDispatch<S extends z.ZodType>(schema: S, data: unknown, eventType: string): z.output<S> {
  const result = schema.safeParse(data);
  if (!result.success) throw new MalformedDispatchError(eventType, z.prettifyError(result.error));
  return result.data;
}

export class MalformedDispatchError extends Error {
  constructor(
    readonly eventType: string,
    detail: string,
  ) {
    super(`malformed ${eventType} dispatch: ${detail.replace(/\n/g, '; ')}`);
    this.name = 'MalformedDispatchError';
  }
}

// Compile-time checks: Discord's documented payloads satisfy the schemas above.
type Accepts<Schema extends z.ZodType, Payload extends z.input<Schema>> = Payload;
export type DiscordPayloadConformance = [
  Accepts<typeof readyDispatch, GatewayReadyDispatchData>,
  Accepts<typeof guildUpdateDispatch, GatewayGuildUpdateDispatchData>,
  Accepts<typeof guildDeleteDispatch, GatewayGuildDeleteDispatchData>,
  Accepts<typeof channel, GatewayChannelModifyDispatchData>,
  Accepts<typeof roleModifyDispatch, GatewayGuildRoleModifyDispatchData>,
  Accepts<typeof roleDeleteDispatch, GatewayGuildRoleDeleteDispatchData>,
  Accepts<typeof memberUpdateDispatch, GatewayGuildMemberUpdateDispatchData>,
  Accepts<typeof messageCreateDispatch, GatewayMessageCreateDispatchData>,
  Accepts<typeof guildCreateDispatch, GatewayGuildCreateDispatchData & { unavailable?: false }>,
  Accepts<typeof channel, GatewayThreadCreateDispatchData>,
  Accepts<typeof channel, GatewayThreadUpdateDispatchData>,
  Accepts<typeof threadDeleteDispatch, GatewayThreadDeleteDispatchData>,
  Accepts<typeof threadListSyncDispatch, GatewayThreadListSyncDispatchData>,
];
