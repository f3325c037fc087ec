import type pg from 'pg';
import type { DataSource } from 'typeorm';

export interface PreparedRows<R> {
  rows: R[];
  /** Rows inserted, updated or deleted. */
  affected: number;
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
): Promise<PreparedRows<R>> {
  // TypeORM's Postgres driver keeps its pg.Pool as `master`; its own query() cannot name a statement.
  const pool = (db.driver as unknown as { master: pg.Pool }).master;
  const result = await pool.query({ name, text, values: params });
  return { rows: result.rows as R[], affected: result.rowCount ?? 0 };
}
