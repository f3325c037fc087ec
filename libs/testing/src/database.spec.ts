import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './database.js';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  const created: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((database) => database.drop()));
  });

  it('creates a fresh, uniquely named database with unaccent, pg_trgm and btree_gin', async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    created.push(first, second);

    expect(first.name).not.toEqual(second.name);
    expect(new URL(first.url).pathname).toBe(`/${first.name}`);
    const [row] = await first.query<{ plain: string; similar: number }>("SELECT unaccent('Rücksendungen à Crème') AS plain, similarity('refund', 'refunds') AS similar");
    expect(row.plain).toBe('Rucksendungen a Creme');
    expect(row.similar).toBeGreaterThan(0.5);
    expect(await first.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'")).toEqual([]);
    const extensions = await first.query<{ extname: string }>('SELECT extname FROM pg_extension ORDER BY extname');
    expect(extensions.map((extension) => extension.extname)).toEqual(expect.arrayContaining(['btree_gin', 'pg_trgm', 'unaccent']));
  });

  it('drops the database even while a connection is open to it', async () => {
    const database = await createTestDatabase();
    const open = new pg.Client({ connectionString: database.url });
    await open.connect();
    open.on('error', () => {}); // the server terminates it
    await database.drop();
    const rows = await query(process.env.DATABASE_URL!, 'SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    expect(rows).toEqual([]);
    await open.end().catch(() => {});
  });

  it('says what is missing without a server URL', async () => {
    await expect(createTestDatabase('')).rejects.toThrow('createTestDatabase needs a Postgres URL');
  });
});
