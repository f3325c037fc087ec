import { z } from '@steward/config';

const count = (fallback: number, error: string) =>
  z.coerce.number({ error }).int('must be a whole number').min(1, 'must be at least 1').default(fallback);

/** Variables of the live feed, spread into admin-api's environment schema. */
export const liveEnv = {
  /**
   * How far back a reconnecting feed replays, in facts of the STEWARD stream (every tenant's):
   * a Last-Event-ID older than that resumes from there, so one client cannot make this replica
   * read the stream's whole history back.
   */
  ADMIN_LIVE_REPLAY_MAX_FACTS: count(20_000, 'must be a number of facts'),
  /** Live feeds one tenant may hold open at once on a replica (tabs, wallboards, programs). */
  ADMIN_LIVE_STREAMS_PER_TENANT: count(50, 'must be a number of streams'),
};
