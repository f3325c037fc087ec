import { z } from '@steward/config';
import { guildSettings, shardFailures } from '@steward/contracts';

export const guildIdParam = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (15 to 21 digits)');

const guildSummary = {
  id: z.string(),
  name: z.string(),
  iconUrl: z.string().nullable(),
  connected: z.literal(true),
  applicationId: z.string(),
  responseMode: z.enum(['mention', 'all', 'ask']),
  moderationEnabled: z.boolean(),
  health: z
    .object({
      gateway: z.enum(['online', 'connecting', 'offline', 'failed']).meta({
        description:
          'Whether the bot is connected to Discord for this server. "offline": no gateway serves it; "failed": Discord refused the connection (see gatewayFailure)',
      }),
      gatewayFailure: z.enum(shardFailures).nullable().meta({
        description: 'Why Discord refused the connection: fix it in the Discord Developer Portal, then restart the gateway',
      }),
      missingPermissions: z
        .array(z.string())
        .nullable()
        .meta({
          description:
            "Discord permissions (PermissionFlagsBits names) the bot's roles lack for what the settings ask of it; null while the server's roles are not known",
          example: ['ManageMessages'],
        }),
    })
    .meta({ id: 'GuildHealth' }),
};

export const guildSummaryView = z.object(guildSummary).meta({ id: 'GuildSummary' });
export type GuildSummaryView = z.infer<typeof guildSummaryView>;

export const guildList = z.object({ guilds: z.array(guildSummaryView) }).meta({ id: 'GuildList' });

export const guildDetailView = z
  .object({
    ...guildSummary,
    channels: z.array(z.object({ id: z.string(), name: z.string(), type: z.number().int() })),
    roles: z.array(z.object({ id: z.string(), name: z.string(), position: z.number().int() })),
  })
  .meta({
    id: 'GuildDetail',
    description: 'Channels and roles come from the guild directory; empty while it is not available',
  });
export type GuildDetailView = z.infer<typeof guildDetailView>;

export const guildSettingsView = guildSettings.meta({ id: 'GuildSettings' });
