/**
 * Tenant configuration as published to NATS KV (`config-guilds`, key = guild id). admin-api
 * writes it; every other service reads this copy, never admin's tables.
 */
import { z } from 'zod';

const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id');
export const responseModes = ['mention', 'all', 'ask'] as const;
export const channelModes = ['off', 'mention', 'all', 'ask'] as const;
export const proactiveFrequencies = ['2h', '4h', '6h', '12h', 'daily', '2d', 'weekly'] as const;

/**
 * A server has at most 250 roles and 500 channels, so no list of them is longer; the cap also
 * keeps a guild's entry far inside NATS's message size.
 */
const MAX_ROLES = 250;
const MAX_CHANNELS = 500;
const roleIds = z.array(snowflake).max(MAX_ROLES, `must list at most ${MAX_ROLES} roles (a server has no more)`);
const channelIds = z
  .array(snowflake)
  .max(MAX_CHANNELS, `must list at most ${MAX_CHANNELS} channels (a server has no more)`);

export const moderationSettings = z.object({
  enabled: z.boolean().default(false),
  rules: z.string().max(10_000).default(''),
  shadowMode: z.boolean().default(false),
  actions: z
    .object({
      delete: z.boolean().default(true),
      warn: z.boolean().default(false),
      timeout: z.boolean().default(false),
      kick: z.boolean().default(false),
      ban: z.boolean().default(false),
    })
    .default({ delete: true, warn: false, timeout: false, kick: false, ban: false }),
  timeoutMinutes: z.number().int().min(1).max(40_320).default(10),
  exemptRoleIds: roleIds.default([]),
  exemptChannelIds: channelIds.default([]),
  breaker: z
    .object({
      maxKicksAndBans: z.number().int().min(0).max(1000).default(5),
      windowMinutes: z.number().int().min(1).max(1440).default(10),
    })
    .default({ maxKicksAndBans: 5, windowMinutes: 10 }),
});

/** A time of day as HH:MM, 24-hour. */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM');

/** Whether the runtime knows the IANA time zone (Europe/Berlin, America/New_York, UTC). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const proactiveSettings = z.object({
  enabled: z.boolean().default(false),
  channelName: z.string().min(1).max(100).default('general'),
  frequency: z.enum(proactiveFrequencies).default('daily'),
  topics: z.array(z.string().min(1).max(200)).max(50).default([]),
  /** No post between start and end, local time in `timeZone` (22:00–08:00 spans midnight); posts due then wait for the end. */
  quietHours: z
    .object({ start: clockTime, end: clockTime })
    .refine((quiet) => quiet.start !== quiet.end, { message: 'must differ from start', path: ['end'] })
    .nullable()
    .default(null),
  timeZone: z
    .string()
    .max(64)
    .refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' })
    .default('UTC'),
});

/** The guild settings object of DESIGN.md, with its defaults. */
export const guildSettings = z.object({
  responseMode: z.enum(responseModes).default('mention'),
  smartMode: z.boolean().default(true),
  channelContext: z.boolean().default(false),
  replyInThread: z.boolean().default(false),
  channelOverrides: z
    .record(snowflake, z.enum(channelModes))
    .refine((overrides) => Object.keys(overrides).length <= MAX_CHANNELS, {
      message: `must name at most ${MAX_CHANNELS} channels (a server has no more)`,
    })
    .default({}),
  staffRoleIds: roleIds.default([]),
  moderation: moderationSettings.default(moderationSettings.parse({})),
  proactive: proactiveSettings.default(proactiveSettings.parse({})),
  notificationEmails: z.array(z.string().email()).max(20).default([]),
});
export type GuildSettings = z.infer<typeof guildSettings>;

/** One `config-guilds` entry. */
export const guildConfig = z.object({
  guildId: snowflake,
  tenantId: z.string().min(1),
  /** The bot application serving this guild (platform bot or the tenant's own). */
  applicationId: snowflake,
  plan: z.string().default('pro'),
  settings: guildSettings.default(guildSettings.parse({})),
  updatedAt: z.string().optional(),
});
export type GuildConfig = z.infer<typeof guildConfig>;

export const DEFAULT_GUILD_SETTINGS: GuildSettings = guildSettings.parse({});

/**
 * The override that holds in a channel: its own, else that of what it sits in (`parentIds`,
 * innermost first: a thread's channel, then the category). Undefined: the guild's mode holds.
 */
export function channelOverrideIn(
  overrides: GuildSettings['channelOverrides'],
  channelId: string,
  parentIds: readonly (string | null | undefined)[],
): GuildSettings['channelOverrides'][string] | undefined {
  for (const id of [channelId, ...parentIds]) if (id && overrides[id]) return overrides[id];
  return undefined;
}
