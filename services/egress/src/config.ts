import { stewardEnv, z } from '@steward/config';
import { masterKeyRotationEnv } from '@steward/secrets';

const positiveInt = (what: string) => z.coerce.number({ error: `must be ${what}` }).int(`must be ${what}`);

export const egressEnv = stewardEnv.extend({
  /** Attempts @discordjs/rest makes itself after a 5xx or a timed-out request, before the command is retried later. */
  EGRESS_REST_RETRIES: positiveInt('a whole number of retries').min(0).max(10).default(3),
  /** How long one Discord REST request may take before it is aborted (and counted as a failed attempt). */
  EGRESS_REST_TIMEOUT_MS: positiveInt('a number of milliseconds').min(100).max(120_000).default(15_000),
  /**
   * Requests per second each bot may make across all routes: Discord's global limit, 50 unless
   * Discord raised it for the bot. The running replicas split it evenly; requests beyond a
   * replica's share wait in egress instead of drawing 429s.
   */
  EGRESS_GLOBAL_REQUESTS_PER_SECOND: positiveInt('a number of requests per second').min(1).max(100_000).default(50),
  /** How often a replica says it is running and counts the others (KV `egress-replicas`, 30 s max age). */
  EGRESS_REPLICA_HEARTBEAT_MS: positiveInt('a number of milliseconds').min(100).max(10_000).default(5_000),
  ...masterKeyRotationEnv,
});

export type EgressConfig = z.infer<typeof egressEnv>;
