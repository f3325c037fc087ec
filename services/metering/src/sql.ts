import type { DataSource, PreparedRows, QueryRunner } from '@steward/db';

export type Rows<R> = PreparedRows<R>;

/** A parameterised statement on one connection. */
export type Sql = <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<Rows<R>>;

/** Postgres asks for a retry: a deadlock was broken, or a serialisable transaction lost. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/** One statement outside a transaction. */
export function query<R = Record<string, unknown>>(
  db: DataSource,
  text: string,
  params: unknown[] = [],
): Promise<Rows<R>> {
  return run<R>(db.createQueryRunner(), text, params, true);
}

/**
 * Runs `attempt` again (up to three times in all) when Postgres broke a deadlock or failed a
 * serialisable transaction: what failed was rolled back, so running it again is safe.
 */
export async function retryingConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries >= ATTEMPTS || !RETRYABLE.has(postgresCode(error) ?? '')) throw error;
    }
  }
}

/**
 * Runs `work` in a READ COMMITTED transaction on one connection. `work` returns the result
 * and whether to commit; retried from the start when Postgres reports a deadlock.
 */
export function transaction<T>(
  db: DataSource,
  work: (sql: Sql) => Promise<{ commit: boolean; result: T }>,
): Promise<T> {
  return retryingConflicts(async () => {
    const runner = db.createQueryRunner();
    try {
      await runner.startTransaction();
      const sql: Sql = (text, params = []) => run(runner, text, params, false);
      const { commit, result } = await work(sql);
      if (commit) await runner.commitTransaction();
      else await runner.rollbackTransaction();
      return result;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  });
}

async function run<R>(
  runner: QueryRunner,
  text: string,
  params: unknown[],
  release: boolean,
): Promise<Rows<R>> {
  try {
    const result = await runner.query(text, params, true);
    return { rows: (result.records ?? []) as R[], affected: result.affected ?? 0 };
  } finally {
    if (release) await runner.release();
  }
}

export function postgresCode(error: unknown): string | undefined {
  const driverError = (error as { driverError?: { code?: unknown } }).driverError;
  const code = driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
