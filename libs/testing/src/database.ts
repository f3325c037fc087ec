import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { waitFor } from './wait-for.js';

export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  name: string;
  /** Runs one statement on a connection of its own (for what a test sets up or checks directly). */
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Begins a transaction on a connection of its own, left open: what it writes stays locked until it ends. */
  begin(): Promise<OpenTransaction>;
  /** The database goes down for its users: new connections are refused, open ones are ended. */
  refuseConnections(): Promise<void>;
  /** The database is back: connections are accepted again. */
  allowConnections(): Promise<void>;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** A change in flight, as another process's transaction would be between its first write and its commit. */
export interface OpenTransaction {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /**
   * Commits once `work` waits for a lock this transaction holds, or has finished without
   * waiting; then settles as `work` does. How a test lets code under test meet the change in flight.
   */
  commitOnceWaitedFor<T>(work: Promise<T>): Promise<T>;
  commit(): Promise<void>;
  /** Ends the transaction without its changes (nothing happens once it has ended). */
  rollback(): Promise<void>;
}

/**
 * Creates a uniquely named database on the server of `DATABASE_URL` (a superuser
 * connection), with the `unaccent`, `pg_trgm` and `btree_gin` extensions enabled.
 */
export async function createTestDatabase(serverUrl: string | undefined = process.env.DATABASE_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error('createTestDatabase needs a Postgres URL: pass one or set DATABASE_URL');
  const name = `steward_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(serverUrl, name);
  try {
    await withClient(url, (client) => client.query('CREATE EXTENSION IF NOT EXISTS unaccent; CREATE EXTENSION IF NOT EXISTS pg_trgm; CREATE EXTENSION IF NOT EXISTS btree_gin;'));
  } catch (error) {
    await dropDatabase(serverUrl, name);
    throw error;
  }
  let dropped: Promise<void> | undefined;
  return {
    url,
    name,
    query: (text, values) => withClient(url, async (client) => (await client.query(text, values)).rows),
    begin: () => openTransaction(url),
    // On the server's maintenance database, which stays up throughout.
    refuseConnections: () =>
      withClient(serverUrl, async (client) => {
        await client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      }),
    allowConnections: async () => {
      await withClient(serverUrl, (client) => client.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`));
    },
    drop: () => (dropped ??= dropDatabase(serverUrl, name)),
  };
}

async function openTransaction(url: string): Promise<OpenTransaction> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // ended by drop(): the next query says so
  await client.connect();
  await client.query('BEGIN');
  let ended = false;
  const end = async (statement: 'COMMIT' | 'ROLLBACK') => {
    if (ended) return;
    ended = true;
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const transaction: OpenTransaction = {
    query: async (text, values) => (await client.query(text, values)).rows,
    commit: () => end('COMMIT'),
    rollback: () => end('ROLLBACK'),
    async commitOnceWaitedFor(work) {
      let settled = false;
      const outcome = work.finally(() => (settled = true));
      outcome.catch(() => undefined); // reported below, once committed
      await waitFor(
        async () =>
          settled ||
          (
            await client.query<{ waited: boolean }>(
              `SELECT EXISTS (SELECT 1 FROM pg_locks
                 WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))) AS waited`,
            )
          ).rows[0]!.waited,
        { timeoutMs: 10_000, message: 'the work neither waited for the open transaction nor finished' },
      );
      await transaction.commit();
      return outcome;
    },
  };
  return transaction;
}

async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
