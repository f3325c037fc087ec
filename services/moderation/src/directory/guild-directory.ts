/**
 * The guild directory as the router serves it (`rpc.router.directory.guild`): channels with
 * their permission overwrites, roles with positions and permissions, the bot's roles and the
 * owner. Validated here because it crosses a service boundary.
 */
import { z } from 'zod';

export const GUILD_DIRECTORY_SUBJECT = 'rpc.router.directory.guild';
/** The router's answer when it has not seen the guild. */
export const DIRECTORY_NOT_FOUND = 'not_found';

export const guildDirectory = z.object({
  guild: z.object({ id: z.string(), name: z.string(), ownerId: z.string() }).loose(),
  channels: z.array(
    z
      .object({
        id: z.string(),
        name: z.string(),
        type: z.number().int(),
        parentId: z.string().nullable().optional(),
        permissionOverwrites: z.array(z.object({ id: z.string(), type: z.number().int(), allow: z.string(), deny: z.string() })),
      })
      .loose(),
  ),
  roles: z.array(
    z
      .object({
        id: z.string(),
        name: z.string(),
        position: z.number().int(),
        /** Permission bit set as a decimal string. */
        permissions: z.string().regex(/^\d+$/),
        managed: z.boolean().optional(),
        botId: z.string().nullable().optional(),
      })
      .loose(),
  ),
  botRoleIds: z.array(z.string()),
  botTopRolePosition: z.number().int(),
  ownerId: z.string(),
});
export type GuildDirectory = z.infer<typeof guildDirectory>;
