import type { DataSource, QueryRunner } from '@steward/db';

/** A parameterised statement on one connection; resolves to the rows it returned. */
export type Sql = <R = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<R[]>;

/** One statement outside a transaction. */
export async function query<R = Record<string, unknown>>(
  db: DataSource,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  return (await db.query(text, params)) as R[];
}

/**
 * Runs `work` in a transaction on one connection (READ COMMITTED unless told otherwise); rolls
 * back when it throws.
 */
export async function transaction<T>(
  db: DataSource,
  work: (sql: Sql) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
): Promise<T> {
  const runner: QueryRunner = db.createQueryRunner();
  try {
    await runner.startTransaction(isolation);
    const sql: Sql = async <R>(text: string, params: unknown[] = []) => {
      const result = await runner.query(text, params, true);
      return (result.records ?? []) as R[];
    };
    const result = await work(sql);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
