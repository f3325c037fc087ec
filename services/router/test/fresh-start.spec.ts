import { Bus } from '@steward/bus';
import { AnswerRequestedSchema, decode, discordEventSubject, Streams, Subjects } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { RouterConfig } from '../src/config.js';
import { routerService } from '../src/service.js';

const APP = '120000000000000001';
const GUILD = '230000000000000001';

// The first start of a deployment: empty JetStream (no config-guilds entries) and a gateway
// that resumed its sessions, so no READY is in the stream.
describe('router on a fresh start', () => {
  let database: TestDatabase;
  let service: RunningService<RouterConfig> | undefined;
  let publisher: Bus;

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-fresh-start-test' });
  });

  afterAll(async () => {
    await service?.stop();
    await publisher?.drain();
    await database?.drop();
  });

  it('answers for the local tenant before any READY, taking the application id as the bot user', async () => {
    service = await startService(routerService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL_TENANT_ID: 'local',
      LOG_LEVEL: 'silent',
    });

    await publisher.publishJson(
      discordEventSubject(APP, GUILD, 'MESSAGE_CREATE'),
      {
        id: '610000000000000001',
        type: 0,
        channel_id: '450000000000000001',
        guild_id: GUILD,
        author: { id: '340000000000000001', username: 'ana', global_name: null },
        content: `<@${APP}>, is anyone there?`,
        timestamp: '2025-05-01T12:00:00.000Z',
        mentions: [{ id: APP, username: 'Steward', bot: true }],
        mention_roles: [],
      },
      { msgId: 'fresh-start-1' },
    );

    const stored = await waitFor(
      () =>
        publisher.jsm.streams
          .getMessage(Streams.facts.name, { last_by_subj: Subjects.answerRequested })
          .catch(() => null),
      { timeoutMs: 3_000, message: 'an answer request' },
    );
    expect(decode(AnswerRequestedSchema, stored.data)).toMatchObject({
      tenantId: 'local',
      authorName: 'ana',
      question: 'is anyone there?',
    });
  });
});
