import { stewardEnv, z } from '@steward/config';
import { DEFAULT_TAKEOVER_WINDOW_MS } from '@steward/contracts';

const optionalString = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const flag = (fallback: boolean) =>
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { error: 'must be 1/0, true/false or yes/no' })
    .optional()
    .transform((value) =>
      value === undefined || value === '' ? fallback : ['1', 'true', 'yes'].includes(value),
    );

export const takeoverEnv = stewardEnv.extend({
  /**
   * How long after an agent's last action the AI answers again. The router and the takeover
   * service must run with the same value: both declare KV `takeover` with it as max age.
   */
  TAKEOVER_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1_000, 'must be at least 1000 (one second)')
    .max(86_400_000, 'must be at most one day')
    .default(DEFAULT_TAKEOVER_WINDOW_MS),
  /** How often conversations whose window has passed are handed back to the AI. */
  TAKEOVER_SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  /** Post agent messages as "**Agent name:** text" instead of the bare text. */
  TAKEOVER_SIGN_AGENT_MESSAGES: flag(false),
  /** Where the dashboard is reached; escalation e-mails link to `<url>/live?conversation=<id>`. */
  STEWARD_PUBLIC_URL: z.url('must be a URL').default('http://127.0.0.1:8080'),
  /** Sender of escalation e-mails. */
  TAKEOVER_EMAIL_FROM: z.string().min(3).default('Steward <noreply@steward.local>'),
  /** Wait before the first retry of an e-mail that could not be sent; doubles per attempt, up to an hour. */
  TAKEOVER_EMAIL_RETRY_MS: z.coerce.number().int().min(10).default(30_000),
  /** How long a tenant's plan features are used before metering is asked again. */
  TAKEOVER_ENTITLEMENTS_CACHE_MS: z.coerce.number().int().min(0).default(60_000),
  /** Local mode: the local tenant, on plan Pro, owns every guild without a configuration. */
  STEWARD_LOCAL_TENANT_ID: optionalString(z.string().min(1).max(64)),
});

export type TakeoverConfig = z.infer<typeof takeoverEnv>;
