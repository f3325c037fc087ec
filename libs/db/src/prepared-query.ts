import pg from 'pg';
import type { DataSource } from 'typeorm';

export interface PreparedRows<R> {
  rows: R[];
  /** Rows inserted, updated or deleted. */
  affected: number;
}

export interface PreparedQueryOptions {
  /** How long a connection keeps its cached plans before Postgres makes them again. */
  planLifetimeMs?: number;
}

/**
 * Plans are made again this often: a generic plan keeps the table sizes of the moment it was
 * made, so a lookup planned while its table was tiny (a sequential scan is then cheapest)
 * would go on reading the whole table as it grows, until the next ANALYZE.
 */
const PLAN_LIFETIME_MS = 10_000;
const plansMadeAt = new WeakMap<pg.PoolClient, number>();

/** Server errors that end the session, or that would repeat on this connection. */
const SESSION_ENDING_SEVERITIES = new Set(['FATAL', 'PANIC']);
const CONNECTION_STATE_CODES = new Set([
  '0A000', // feature_not_supported: "cached plan must not change result type"
  '26000', // invalid_sql_statement_name: the prepared statement is gone
]);

/**
 * An error the server reported for the statement alone (a constraint, a conflict) leaves the
 * connection usable, with its prepared statements; any other error drops it.
 */
function connectionStaysUsable(error: unknown): boolean {
  return (
    error instanceof pg.DatabaseError &&
    !SESSION_ENDING_SEVERITIES.has(error.severity ?? '') &&
    !CONNECTION_STATE_CODES.has(error.code ?? '')
  );
}

/** Has Postgres make the connection's plans again when they are older than `lifetimeMs`. */
async function discardOldPlans(client: pg.PoolClient, lifetimeMs: number): Promise<void> {
  const now = Date.now();
  const madeAt = plansMadeAt.get(client);
  if (madeAt !== undefined && now - madeAt < lifetimeMs) return;
  // The statements stay prepared; only their plans go. (A new connection has none yet.)
  if (madeAt !== undefined) await client.query('DISCARD PLANS');
  plansMadeAt.set(client, now);
}

/**
 * Runs `text` as the named prepared statement `name`, outside any transaction: Postgres parses
 * it once per connection and, once it settles on a generic plan, stops planning it on every
 * call (for the statements a service runs per message, planning cost as much as executing).
 * A name stands for one text: a statement whose text varies needs a name per variant.
 */
export async function preparedQuery<R = Record<string, unknown>>(
  db: DataSource,
  name: string,
  text: string,
  params: unknown[],
  { planLifetimeMs = PLAN_LIFETIME_MS }: PreparedQueryOptions = {},
): Promise<PreparedRows<R>> {
  // TypeORM's Postgres driver keeps its pg.Pool as `master`; its own query() cannot name a statement.
  const pool = (db.driver as unknown as { master: pg.Pool }).master;
  const client = await pool.connect();
  let failure: Error | undefined;
  // A connection lost mid-query is also reported as an 'error' event, which must have a listener.
  const onError = (error: Error) => (failure ??= error);
  client.on('error', onError);
  try {
    await discardOldPlans(client, planLifetimeMs);
    const result = await client.query({ name, text, values: params });
    return { rows: result.rows as R[], affected: result.rowCount ?? 0 };
  } catch (error) {
    if (!connectionStaysUsable(error)) failure ??= error as Error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(failure);
  }
}
