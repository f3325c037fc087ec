import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type Anthropic from '@anthropic-ai/sdk';
import { startAnthropicSandbox, type AnthropicSandbox } from '../../../sandbox/src/anthropic/index.js';
import type { KnowledgePassage } from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';
import { AnthropicProactiveWriter } from './anthropic-writer.js';
import { createProactiveWriter } from './create-writer.js';
import { OfflineProactiveWriter } from './offline-writer.js';
import type { ProactivePostInput } from './proactive.js';
import { maxSimilarity, textSimilarity } from './similarity.js';

const exportPassages: KnowledgePassage[] = [
  {
    documentId: 'doc-export',
    title: 'Exporting your data',
    content:
      'The new export feature saves a whole workspace as a ZIP archive. Open Settings > Data and click "Export workspace". ' +
      'Exports include attachments up to 2 GB. You get an e-mail with the download link when the archive is ready. ' +
      'Links stay valid for seven days.',
    score: 0.9,
  },
  {
    documentId: 'doc-formats',
    title: 'Export formats',
    content: 'Tables can be exported as CSV or JSON. Charts are exported as PNG images. Scheduled exports run every night.',
    score: 0.6,
  },
];

describe('textSimilarity', () => {
  it('is 1 for the same text, high for a reordering, low for unrelated posts', () => {
    const post = 'Open Settings > Data and click Export workspace to save everything as a ZIP archive.';
    expect(textSimilarity(post, post)).toBe(1);
    expect(textSimilarity(post, 'To save everything as a ZIP archive, open Settings > Data and click Export workspace.')).toBeGreaterThan(0.5);
    expect(textSimilarity(post, 'Office hours are every Thursday at 5 pm in the voice channel.')).toBeLessThan(0.1);
  });

  it('compares stems, not spellings, and ignores stop words', () => {
    expect(textSimilarity('Exporting workspaces', 'the workspace is exported')).toBeGreaterThan(0.4);
    expect(textSimilarity('and the of', 'to in a')).toBe(0);
    expect(maxSimilarity('anything', [])).toBe(0);
  });
});

describe('OfflineProactiveWriter', () => {
  const writer = new OfflineProactiveWriter();
  const input = (recentPosts: string[], topic = 'the new export feature'): ProactivePostInput => ({
    topic,
    passages: exportPassages,
    recentPosts,
    language: 'en',
  });

  it('writes an on-topic post from the best passages, naming its source', async () => {
    const post = await writer.composeProactivePost(input([]));
    expect(post.engine).toBe('offline');
    expect(post.text).toContain('the new export feature');
    expect(post.text).toMatch(/export/i);
    expect(post.sourceDocumentIds).toHaveLength(1);
    expect(['doc-export', 'doc-formats']).toContain(post.sourceDocumentIds[0]);
    expect(post.text.length).toBeLessThan(1500);
  });

  it('varies consecutive posts on the same topic: each is unlike the ones before it', async () => {
    const posts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const post = await writer.composeProactivePost(input([...posts].reverse()));
      expect(maxSimilarity(post.text, posts)).toBeLessThan(0.5);
      posts.push(post.text);
    }
    expect(new Set(posts).size).toBe(5);
  });

  it('writes about the topic itself when the knowledge base has nothing on it', async () => {
    const post = await new OfflineProactiveWriter().composeProactivePost({ ...input([]), passages: [], topic: 'weekly office hours', language: 'de' });
    expect(post.text).toContain('weekly office hours');
    expect(post.sourceDocumentIds).toEqual([]);
  });

  it('refuses an empty topic as a caller mistake', async () => {
    await expect(writer.composeProactivePost(input([], '  '))).rejects.toBeInstanceOf(InvalidAiInputError);
  });
});

describe('AnthropicProactiveWriter', () => {
  let sandbox: AnthropicSandbox;
  beforeAll(async () => {
    sandbox = await startAnthropicSandbox({ apiKey: 'sk-ant-test' });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('forces the post tool and passes the recent posts as "do not repeat"', async () => {
    sandbox.respondWith(() => ({
      toolUse: {
        name: 'submit_proactive_post',
        input: { post: 'Exports now include attachments up to 2 GB.', source_document_ids: ['doc-export', 'doc-invented'] },
      },
    }));
    const writer = new AnthropicProactiveWriter({ apiKey: 'sk-ant-test', baseUrl: sandbox.url, model: 'claude-test' });
    const post = await writer.composeProactivePost({
      topic: 'the new export feature',
      passages: exportPassages,
      recentPosts: ['Open Settings > Data to export your workspace.'],
      language: 'en',
    });
    expect(post).toMatchObject({ text: 'Exports now include attachments up to 2 GB.', sourceDocumentIds: ['doc-export'], engine: 'anthropic' });
    const body = sandbox.requests[0]!.body as unknown as Anthropic.MessageCreateParams;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'submit_proactive_post' });
    const prompt = body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
    expect(prompt).toMatch(/Do not repeat them:\n<recent_posts>\n<post>\nOpen Settings > Data to export your workspace.\n<\/post>/);
    expect(prompt).toContain('<topic>the new export feature</topic>');
  });

  it('falls back to the offline writer when the model is down', async () => {
    sandbox.respondWith(() => ({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }));
    const writer = createProactiveWriter({ anthropicApiKey: 'sk-ant-test', anthropicBaseUrl: sandbox.url, maxRetries: 0 });
    const post = await writer.composeProactivePost({ topic: 'exports', passages: exportPassages, recentPosts: [], language: 'en' });
    expect(post.engine).toBe('offline');
    expect(post.text).toContain('exports');
  });
});
