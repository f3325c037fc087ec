import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus, type ConsumerHandle } from '@steward/bus';
import { decode, encode, ProactiveDueSchema, ProactivePostWrittenSchema, Streams, type ProactivePostWritten } from '@steward/contracts';
import type { RunningService } from '@steward/runtime';
import { startAnthropicSandbox, type AnthropicSandbox } from '@steward/sandbox';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { AnswerConfig } from '../config.js';
import { PROACTIVE_DUE_SUBJECT } from './proactive-due.controller.js';
import { PROACTIVE_WRITTEN_SUBJECT } from './proactive-posts.service.js';
import { startAnswerService } from '../../test/harness.js';

const RECENT = 'Exports include attachments up to 2 GB, and the download link stays valid for seven days.';

describe('proactive post writing (answer service, Claude through the sandbox)', () => {
  let database: TestDatabase;
  let anthropic: AnthropicSandbox;
  let service: RunningService<AnswerConfig>;
  let client: Bus;
  let consumer: ConsumerHandle;
  const written: ProactivePostWritten[] = [];

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    anthropic = await startAnthropicSandbox({ apiKey: 'sk-ant-test' });
    service = await startAnswerService(database.url, {
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    client = await Bus.connect({ servers: process.env.NATS_URL!, name: 'proactive-test' });
    consumer = await client.consume(
      { stream: Streams.facts.name, durable: 'test-written', filterSubjects: [PROACTIVE_WRITTEN_SUBJECT] },
      async (message) => {
        written.push(decode(ProactivePostWrittenSchema, message.data));
      },
    );
  }, 30_000);

  afterAll(async () => {
    await consumer?.stop();
    await client?.drain();
    await service?.stop();
    await anthropic?.close();
    await database?.drop();
  });

  it('writes the post again, once, when the first draft is a near copy of a recent post', async () => {
    const drafts = [
      'Exports include attachments up to 2 GB, and the download link stays valid for seven days!',
      'Tables can be exported as CSV or JSON straight from Settings > Data.',
    ];
    anthropic.respondWith((request) => {
      const prompt = request.body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
      if (!prompt.includes('<recent_posts>')) throw new Error('the recent posts were not given to the model');
      const draft = prompt.includes(drafts[0]!) ? drafts[1]! : drafts[0]!;
      return { toolUse: { name: 'submit_proactive_post', input: { post: draft, source_document_ids: [] } } };
    });
    await client.publish(
      PROACTIVE_DUE_SUBJECT,
      encode(ProactiveDueSchema, {
        scheduleId: '910000000000000001',
        runId: '910000000000000001-1900000000000',
        tenantId: 'tenant-writer',
        guildId: '910000000000000001',
        applicationId: '900000000000000001',
        channelId: '920000000000000001',
        channelName: 'general',
        topic: 'the new export feature',
        recentPosts: [RECENT],
        dueAtMs: 1_900_000_000_000n,
        attempt: 1,
      }),
      { msgId: 'proactive-due:910000000000000001-1900000000000:1' },
    );

    const fact = await waitFor(() => written[0], { timeoutMs: 10_000, message: 'the written post' });
    expect(fact).toMatchObject({
      runId: '910000000000000001-1900000000000',
      text: drafts[1],
      engine: 'anthropic',
      regenerated: true,
      language: 'en',
    });
    expect(fact.similarityToRecent).toBeLessThan(0.5);
    expect(anthropic.requests).toHaveLength(2);
  }, 30_000);

  it('sends the text again when the scheduler asks again for the same run (a later attempt)', async () => {
    const runId = '910000000000000002-1900000000000';
    const drafts = ['Pin the channels you use most with a right click.', 'The search bar understands filters such as from:@name.'];
    let request = 0;
    anthropic.respondWith(() => ({
      toolUse: { name: 'submit_proactive_post', input: { post: drafts[Math.min(request++, 1)]!, source_document_ids: [] } },
    }));
    const ofRun = () => written.filter((fact) => fact.runId === runId);
    const due = (attempt: number) =>
      client.publish(
        PROACTIVE_DUE_SUBJECT,
        encode(ProactiveDueSchema, {
          scheduleId: '910000000000000002',
          runId,
          tenantId: 'tenant-writer',
          guildId: '910000000000000002',
          applicationId: '900000000000000001',
          channelId: '920000000000000002',
          channelName: 'general',
          topic: 'tips for new users',
          recentPosts: [],
          dueAtMs: 1_900_000_000_000n,
          attempt,
        }),
        { msgId: `proactive-due:${runId}:${attempt}` },
      );

    await due(1);
    await waitFor(() => ofRun()[0], { timeoutMs: 10_000, message: 'the text of the first request' });
    // The scheduler did not get to use that text (its write timeout passed) and asks again.
    await due(2);
    await waitFor(() => ofRun()[1], { timeoutMs: 10_000, message: 'the text of the second request' });
    expect(ofRun().map((fact) => fact.text)).toEqual(drafts);
  }, 30_000);
});
