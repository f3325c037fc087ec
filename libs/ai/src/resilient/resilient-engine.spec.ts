import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  startAnthropicSandbox,
  type AnthropicSandbox,
  type ScriptedReply,
} from '../../../sandbox/src/anthropic/index.js';
import { createAiEngine, type CreateAiEngineOptions } from '../create-engine.js';
import type { AnswerInput } from '../engine.js';
import { InvalidAiInputError } from '../input-validation.js';
import type { PinoLike } from '../logger.js';

let sandbox: AnthropicSandbox;

beforeAll(async () => {
  sandbox = await startAnthropicSandbox();
});
afterAll(() => sandbox.close());
beforeEach(() => sandbox.reset());

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message?: string;
}

/** Keeps log lines so a test can tell what an operator would read. */
function recordingLogger(): PinoLike & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message?: string) => {
    lines.push({ level, fields, message });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function resilientEngine(logger: PinoLike, options: Partial<CreateAiEngineOptions> = {}) {
  return createAiEngine({
    anthropicApiKey: 'sk-ant-test',
    anthropicBaseUrl: sandbox.url,
    logger,
    ...options,
  });
}

const question: AnswerInput = {
  question: 'How do I reset my password?',
  language: 'en',
  passages: [
    {
      documentId: 'doc-account',
      title: 'Your account',
      content: 'To reset your password, open Settings > Security and click "Send reset link".',
      score: 0.8,
    },
  ],
  wholeKnowledgeBase: false,
  history: [],
  channelContext: [],
};

const failing = (status: 500 | 529): ScriptedReply => ({
  error: {
    status,
    type: status === 529 ? 'overloaded_error' : 'api_error',
    message: status === 529 ? 'Overloaded' : 'Internal server error',
    // Keeps the SDK's retries quick in tests; it waits what the API asks.
    retryAfterSeconds: 0.01,
  },
});

const answered: ScriptedReply = {
  toolUse: {
    name: 'submit_answer',
    input: {
      outcome: 'answered',
      answer: 'Settings > Security > Send reset link.',
      source_document_ids: ['doc-account'],
      language: 'en',
    },
  },
};

describe('createAiEngine', () => {
  it('is the offline engine without a key', async () => {
    const engine = createAiEngine({});
    expect(engine.name).toBe('offline');
    expect((await engine.answer(question)).engine).toBe('offline');
  });

  it('answers through Anthropic while it works', async () => {
    sandbox.enqueue(answered);
    const engine = resilientEngine(recordingLogger());
    expect(engine.name).toBe('resilient');
    expect(await engine.answer(question)).toMatchObject({ kind: 'answered', engine: 'anthropic' });
  });
});

describe('ResilientEngine', () => {
  it('answers offline while Anthropic fails, and opens the breaker after three failed calls', async () => {
    sandbox.respondWith(() => failing(500));
    const logger = recordingLogger();
    const engine = resilientEngine(logger);

    for (let call = 1; call <= 3; call++) {
      const result = await engine.answer(question);
      expect(result).toMatchObject({ kind: 'answered', engine: 'offline' });
      expect(result.text).toContain('To reset your password, open Settings > Security');
      // One request and the SDK's two retries per call.
      expect(sandbox.requestCount).toBe(call * 3);
    }

    // Open: calls go straight offline, Anthropic is not asked.
    expect((await engine.answer(question)).engine).toBe('offline');
    expect(
      (
        await engine.triage({
          message: 'how do I reset it?',
          language: 'en',
          channelContext: [],
          bestPassageScore: 0.5,
        })
      ).engine,
    ).toBe('offline');
    expect(sandbox.requestCount).toBe(9);

    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]!.fields).toMatchObject({ engine: 'anthropic', failure: 'api_error' });
    expect(warnings[1]!.message).toMatch(/cool-down/);
  });

  it('falls back on overload (529) and on timeout', async () => {
    const logger = recordingLogger();
    sandbox.respondWith(() => failing(529));
    const overloaded = await resilientEngine(logger, { maxRetries: 0 }).answer(question);
    expect(overloaded.engine).toBe('offline');
    expect(logger.lines[0]!.fields).toMatchObject({ failure: 'overloaded' });

    sandbox.reset();
    sandbox.respondWith(() => ({ delayMs: 5_000 }));
    const slow = resilientEngine(logger, { timeoutMs: 150 });
    const started = Date.now();
    expect((await slow.answer(question)).engine).toBe('offline');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logger.lines.at(-1)!.fields).toMatchObject({ failure: 'timeout' });
  });

  it('tries Anthropic again after the cool-down and logs the recovery once', async () => {
    sandbox.respondWith(() => failing(500));
    const logger = recordingLogger();
    const engine = resilientEngine(logger, { maxRetries: 0, failureThreshold: 2, cooldownMs: 100 });
    await engine.answer(question);
    await engine.answer(question);
    expect((await engine.answer(question)).engine).toBe('offline');
    expect(sandbox.requestCount).toBe(2);

    await sleep(120);
    sandbox.respondWith(() => answered);
    expect((await engine.answer(question)).engine).toBe('anthropic');
    expect((await engine.answer(question)).engine).toBe('anthropic');
    expect(sandbox.requestCount).toBe(4);
    expect(logger.lines.filter((line) => line.level === 'info')).toHaveLength(1);
  });

  it('neither falls back nor counts a failure on invalid input or a caller abort', async () => {
    const engine = resilientEngine(recordingLogger(), { failureThreshold: 1 });
    await expect(engine.answer({ ...question, question: '' })).rejects.toBeInstanceOf(InvalidAiInputError);
    expect(sandbox.requestCount).toBe(0);

    sandbox.respondWith(() => ({ delayMs: 5_000 }));
    const controller = new AbortController();
    const pending = engine.answer(question, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'APIUserAbortError' });

    sandbox.respondWith(() => answered);
    expect((await engine.answer(question)).engine).toBe('anthropic');
  });
});
