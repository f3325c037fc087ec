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

  it('keeps a change in flight until the work under test waits for it, then commits it', async () => {
    const database = await createTestDatabase();
    created.push(database);
    await database.query('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await database.query("INSERT INTO notes VALUES (1, 'first')");
    const change = await database.begin();
    await change.query("UPDATE notes SET body = 'changed' WHERE id = 1");
    expect(await database.query('SELECT body FROM notes')).toEqual([{ body: 'first' }]);

    // A writer of the same row waits for the change, and then works on top of it.
    const writer = database.query("UPDATE notes SET body = body || ' again' WHERE id = 1 RETURNING body");
    expect(await change.commitOnceWaitedFor(writer)).toEqual([{ body: 'changed again' }]);

    // Work that never meets the change finishes first; the change is committed all the same.
    const other = await database.begin();
    await other.query("INSERT INTO notes VALUES (2, 'second')");
    expect(await other.commitOnceWaitedFor(database.query('SELECT count(*)::int AS n FROM notes'))).toEqual([{ n: 1 }]);
    expect(await database.query('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 2 }]);
  });

  it('says what is missing without a server URL', async () => {
    await expect(createTestDatabase('')).rejects.toThrow('createTestDatabase needs a Postgres URL');
  });
});
