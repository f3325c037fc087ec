import { stewardEnv, z } from '@steward/config';
import { botEnv } from './bot/bot.config.js';
import { knowledgeEnv } from './knowledge/knowledge.config.js';
import { liveEnv } from './live/live.config.js';

/** `stw_` followed by at least 32 URL-safe characters (what `npm start` generates). */
export const API_KEY_PATTERN = /^stw_[A-Za-z0-9_-]{32,}$/;

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be a URL starting with http:// or https://',
  });

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const adminApiEnv = stewardEnv
  .extend({
    /** The local tenant (STEWARD_LOCAL=1): its id, API key and owner login, seeded at start. */
    STEWARD_LOCAL_TENANT_ID: optional(z.uuid('must be a UUID')),
    STEWARD_LOCAL_API_KEY: optional(
      z
        .string()
        .regex(
          API_KEY_PATTERN,
          'must be "stw_" followed by at least 32 URL-safe characters (A-Z a-z 0-9 _ -)',
        ),
    ),
    STEWARD_LOCAL_ADMIN_EMAIL: optional(z.email('must be an email address')),
    STEWARD_LOCAL_ADMIN_PASSWORD: optional(z.string().min(8, 'must be at least 8 characters')),
    /** Where people reach the dashboard (OAuth2 redirects); default http://localhost:<ADMIN_PORT>. */
    STEWARD_PUBLIC_URL: optional(httpUrl),
    /** The platform application's OAuth2 client secret (Developer Portal → OAuth2), for the install flow. */
    DISCORD_CLIENT_SECRET: optional(z.string().min(1)),
    /** Discord's web origin for /oauth2/authorize; default: DISCORD_API_URL without its /api path. */
    DISCORD_OAUTH_URL: optional(httpUrl),
    ...botEnv,
    ...knowledgeEnv,
    ...liveEnv,
  })
  .superRefine((env, ctx) => {
    // A key or a login for the local tenant is meaningless without the tenant.
    if ((env.STEWARD_LOCAL_API_KEY || env.STEWARD_LOCAL_ADMIN_EMAIL) && !env.STEWARD_LOCAL_TENANT_ID)
      ctx.addIssue({
        code: 'custom',
        path: ['STEWARD_LOCAL_TENANT_ID'],
        message: 'is required with STEWARD_LOCAL_API_KEY or STEWARD_LOCAL_ADMIN_EMAIL',
      });
    // An owner login needs both halves; one without the other is a typo, not a choice.
    if (env.STEWARD_LOCAL_ADMIN_EMAIL && !env.STEWARD_LOCAL_ADMIN_PASSWORD)
      ctx.addIssue({
        code: 'custom',
        path: ['STEWARD_LOCAL_ADMIN_PASSWORD'],
        message: 'is required with STEWARD_LOCAL_ADMIN_EMAIL',
      });
    if (env.STEWARD_LOCAL_ADMIN_PASSWORD && !env.STEWARD_LOCAL_ADMIN_EMAIL)
      ctx.addIssue({
        code: 'custom',
        path: ['STEWARD_LOCAL_ADMIN_EMAIL'],
        message: 'is required with STEWARD_LOCAL_ADMIN_PASSWORD',
      });
  });

export type AdminApiConfig = z.infer<typeof adminApiEnv>;

/** The dashboard's public origin, without a trailing slash. */
export function publicUrl(config: AdminApiConfig): string {
  return (config.STEWARD_PUBLIC_URL ?? `http://localhost:${config.ADMIN_PORT}`).replace(/\/+$/, '');
}

/** Where Discord's consent page lives: `https://discord.com` for `https://discord.com/api`. */
export function discordOAuthUrl(config: AdminApiConfig): string {
  if (config.DISCORD_OAUTH_URL) return config.DISCORD_OAUTH_URL.replace(/\/+$/, '');
  const api = new URL(config.DISCORD_API_URL);
  api.pathname = api.pathname.replace(/\/+$/, '').replace(/\/api(\/v\d+)?$/, '') || '/';
  return api.toString().replace(/\/+$/, '');
}
