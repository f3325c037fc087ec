import { stewardEnv, z } from '@steward/config';

export const meteringEnv = stewardEnv.extend({
  /** Sender of quota e-mails. */
  METERING_EMAIL_FROM: z.string().min(3).default('Steward <noreply@steward.local>'),
  /** How often pending e-mails and unpublished usage facts are retried. */
  METERING_SWEEP_INTERVAL_MS: z.coerce.number().int().min(20).default(5_000),
  /** How long a replica may use a tenant's plan before reading it again (changes also clear it at once). */
  METERING_SUBSCRIPTION_CACHE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Wait before the first retry of a failed e-mail; doubles per attempt, up to an hour. */
  METERING_EMAIL_RETRY_MS: z.coerce.number().int().min(10).default(60_000),
});

export type MeteringConfig = z.infer<typeof meteringEnv>;
