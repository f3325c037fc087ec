import { createTestDatabase, type TestDatabase } from '@steward/testing';
import pg from 'pg';
import { migrate, openDatabase } from './index.js';
import { Note, notesDatabase as database } from '../test/notes-database.js';

describe('service database', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.drop());

  it('migrates into the service schema once, even when replicas start together', async () => {
    const runs = await Promise.all([1, 2, 3].map(() => migrate(database, { url: testDb.url })));
    expect(runs.flat()).toEqual(['CreateNotes1700000000000']);

    const client = new pg.Client({ connectionString: testDb.url });
    await client.connect();
    const tables = await client.query(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_name IN ('notes', 'migrations') ORDER BY 2`,
    );
    await client.end();
    expect(tables.rows).toEqual([
      { table_schema: 'notes_service', table_name: 'migrations' },
      { table_schema: 'notes_service', table_name: 'notes' },
    ]);
  });

  it('reads and writes entities through the bound schema', async () => {
    const dataSource = await openDatabase(database, { url: testDb.url, migrate: true });
    try {
      await dataSource.getRepository(Note).save({ id: 'n1', body: 'hello' });
      expect(await dataSource.getRepository(Note).findOneByOrFail({ id: 'n1' })).toEqual({ id: 'n1', body: 'hello' });
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(migrate({ ...database, schema: 'x"; DROP SCHEMA public; --' }, { url: testDb.url })).rejects.toThrow(/invalid schema name/);
  });
});
