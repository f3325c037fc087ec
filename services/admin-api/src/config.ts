import { stewardEnv, z } from '@steward/config';

/** `stw_` followed by at least 32 URL-safe characters (what `npm start` generates). */
export const API_KEY_PATTERN = /^stw_[A-Za-z0-9_-]{32,}$/;

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
