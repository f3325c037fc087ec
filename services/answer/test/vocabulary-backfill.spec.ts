import { Bus } from '@steward/bus';
import { Rpc } from '@steward/contracts';
import { migrate } from '@steward/db';
import type { RunningService } from '@steward/runtime';
import { createTestDatabase, waitFor, type TestDatabase } from '@steward/testing';
import type { AnswerConfig } from '../src/config.js';
import { database } from '../src/database.js';
import { startAnswerService } from './harness.js';

const TENANT = 'tenant-upgraded';

/**
 * A knowledge base indexed before the tenant vocabulary existed (or by a replica of the
 * version before, while an upgrade rolls out): the service fills in the words of the chunks
 * already stored, so misspelt questions keep finding them.
 */
describe('chunks stored without their words', () => {
  let db: TestDatabase;
  let service: RunningService<AnswerConfig> | undefined;
  let client: Bus | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    const before = database.migrations.filter((migration) => migration.name !== 'ChunkWords1764000000000');
    expect(before).toHaveLength(database.migrations.length - 1);
    await migrate({ ...database, migrations: before }, { url: db.url });
    await db.query(
      `WITH document AS (
         INSERT INTO answer.documents (tenant_id, title, content, language, status, progress, chunk_count)
         VALUES ($1, 'Passwords', $2, 'en', 'indexed', 1, 1) RETURNING id
       )
       INSERT INTO answer.chunks (document_id, tenant_id, ordinal, heading, content, language, search_vector)
       SELECT id, $1, 0, '', $2, 'en', to_tsvector('english', $2) FROM document`,
      [TENANT, 'To reset your Password, open Settings and choose Forgot password.'],
    );
  }, 30_000);

  afterAll(async () => {
    await client?.drain();
    await service?.stop();
    await db?.drop();
  });

  it('are found by a misspelt word once the service has started', async () => {
    service = await startAnswerService(db.url);
    client = await Bus.connect({ servers: process.env.NATS_URL!, name: 'vocabulary-backfill-test' });
    const search = async () =>
      (
        await client!.requestJson<{ passages: { title: string }[] }>(Rpc.knowledgeSearch.subject, {
          tenantId: TENANT,
          query: 'pasword',
          limit: 3,
        })
      ).passages.map((passage) => passage.title);

    // The words are filled in in the background, right after the start.
    const found = await waitFor(
      async () => {
        const titles = await search();
        return titles.length > 0 ? titles : undefined;
      },
      { message: 'the stored chunk found by "pasword"' },
    );
    expect(found).toEqual(['Passwords']);
  });
});
