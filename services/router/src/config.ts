import { stewardEnv, z } from '@steward/config';
import { DEFAULT_TAKEOVER_WINDOW_MS } from '@steward/contracts';

/** Empty strings in the environment mean "not set". */
const optionalString = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

export const routerEnv = stewardEnv
  .extend({
    /**
     * Local mode: this tenant owns every guild that has no `config-guilds` entry. Unset in a
     * multi-tenant deployment, where such guilds are not connected to anyone and are ignored.
     */
    STEWARD_LOCAL_TENANT_ID: optionalString(z.string().min(1).max(64)),
    /**
     * All-messages mode with smart mode off: one answer per member per channel within this
     * many milliseconds (0 turns the cooldown off).
     */
    ROUTER_MEMBER_COOLDOWN_MS: z.coerce
      .number()
      .int()
      .min(0, 'must be 0 or more')
      .max(3_600_000, 'must be at most one hour')
      .default(10_000),
    /** Channel context: how many recent messages of a channel are kept and passed to the answer. */
    ROUTER_CHANNEL_CONTEXT_SIZE: z.coerce
      .number()
      .int()
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .default(20),
    /** Staff step-back: how long after a staff member's reply the bot leaves that member alone. */
    ROUTER_STAFF_STEP_BACK_MS: z.coerce
      .number()
      .int()
      .min(0, 'must be 0 or more')
      .max(86_400_000, 'must be at most one day')
      .default(5 * 60 * 1000),
    /**
     * Human takeover: how long after an agent's (or a staff member's) last action the AI stays
     * silent in a conversation. Must equal the takeover service's value (both declare KV
     * `takeover` with it as max age).
     */
    TAKEOVER_WINDOW_MS: z.coerce
      .number()
      .int()
      .min(1_000, 'must be at least 1000 (one second)')
      .max(86_400_000, 'must be at most one day')
      .default(DEFAULT_TAKEOVER_WINDOW_MS),
  })
  // A local tenant means a local deployment: migrate the schema at start like the rest of it.
  .transform((env) => ({
    ...env,
    STEWARD_LOCAL: env.STEWARD_LOCAL || env.STEWARD_LOCAL_TENANT_ID !== undefined,
  }));

export type RouterConfig = z.infer<typeof routerEnv>;
