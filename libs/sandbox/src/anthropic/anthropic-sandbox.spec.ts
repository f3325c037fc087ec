import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { startAnthropicSandbox, type AnthropicSandbox } from './index.js';

const MODEL = 'claude-haiku-5-5';

describe('Anthropic sandbox driven by @anthropic-ai/sdk', () => {
  let sandbox: AnthropicSandbox;
  let client: Anthropic;

  beforeAll(async () => {
    sandbox = await startAnthropicSandbox();
    client = new Anthropic({ apiKey: 'sk-ant-test', baseURL: sandbox.url, maxRetries: 0 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  const ask = (content: string) => ({
    model: MODEL,
    max_tokens: 256,
    messages: [{ role: 'user' as const, content }],
  });

  describe('text replies', () => {
    it('answers with a default reply quoting the question, and records the request', async () => {
      const message = await client.messages.create(ask('How do I reset my password?'));

      expect(message).toMatchObject({
        type: 'message',
        role: 'assistant',
        model: MODEL,
        stop_reason: 'end_turn',
        content: [{ type: 'text', text: 'Sandbox reply to: "How do I reset my password?"' }],
      });
      expect(message.id).toMatch(/^msg_/);
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(sandbox.requestCount).toBe(1);
      expect(sandbox.lastRequest()).toMatchObject({ status: 200, body: ask('How do I reset my password?') });
      expect(sandbox.lastRequest()?.headers['anthropic-version']).toBeDefined();
    });

    it('answers queued replies in order, then asks the responder', async () => {
      sandbox.enqueue({ text: 'first' });
      sandbox.respondWith(({ body }) => ({ text: `echo ${body.messages.length}` }));

      const first = await client.messages.create(ask('a'));
      const second = await client.messages.create(ask('b'));

      expect(first.content).toEqual([{ type: 'text', text: 'first', citations: null }]);
      expect(second.content).toEqual([{ type: 'text', text: 'echo 1', citations: null }]);
    });

    it('stops at a stop sequence and at max_tokens', async () => {
      sandbox.enqueue({ text: 'Answer: yes. END more' }, { text: 'x'.repeat(100) });

      const stopped = await client.messages.create({ ...ask('q'), stop_sequences: ['END'] });
      const truncated = await client.messages.create({ ...ask('q'), max_tokens: 5 });

      expect(stopped).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
      expect(stopped.content).toEqual([{ type: 'text', text: 'Answer: yes. ', citations: null }]);
      expect(truncated.stop_reason).toBe('max_tokens');
      expect(truncated.content).toEqual([{ type: 'text', text: 'x'.repeat(20), citations: null }]);
    });
  });

  describe('streaming', () => {
    const reply = 'Streaming works: the deltas add up to exactly this sentence, spaces included.';

    it('streams the event sequence of the API, with deltas that add up to the text', async () => {
      sandbox.enqueue({ text: reply });

      const stream = await client.messages.create({ ...ask('stream please'), stream: true });
      const types: string[] = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
          text += event.delta.text;
        if (event.type === 'message_delta') expect(event.delta.stop_reason).toBe('end_turn');
      }

      expect(text).toBe(reply);
      expect(types[0]).toBe('message_start');
      expect(types[1]).toBe('content_block_start');
      expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(1);
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    });

    it('gives messages.stream() the same final message as a plain request', async () => {
      sandbox.enqueue({ text: reply }, { text: reply });

      const stream = client.messages.stream(ask('stream please'));
      const deltas: string[] = [];
      stream.on('text', (delta) => deltas.push(delta));
      const streamed = await stream.finalMessage();
      const plain = await client.messages.create(ask('stream please'));

      expect(deltas.join('')).toBe(reply);
      expect(streamed.content).toEqual(plain.content);
      expect(streamed.stop_reason).toBe('end_turn');
      expect(streamed.usage.input_tokens).toBe(plain.usage.input_tokens);
      expect(streamed.usage.output_tokens).toBe(plain.usage.output_tokens);
    });
  });

  describe('tool use', () => {
    const decision = z.object({
      action: z.enum(['answer', 'escalate', 'ignore']),
      confidence: z.number().min(0).max(1),
      reason: z.string().min(1),
      tags: z.array(z.string()).min(1),
      followUp: z.object({ at: z.string(), note: z.string().optional() }),
      notes: z.string().optional(),
    });
    const classify: Anthropic.Tool = {
      name: 'classify',
      description: 'Decide what to do with the message',
      input_schema: z.toJSONSchema(decision) as Anthropic.Tool.InputSchema,
    };

    it('calls a forced tool with an input that satisfies its schema, then answers its result', async () => {
      const question = { role: 'user' as const, content: 'My bot is offline' };
      const first = await client.messages.create({
        model: MODEL,
        max_tokens: 256,
        messages: [question],
        tools: [classify],
        tool_choice: { type: 'tool', name: 'classify' },
      });

      expect(first.stop_reason).toBe('tool_use');
      const toolUse = first.content.find((b) => b.type === 'tool_use');
      expect(toolUse).toMatchObject({ type: 'tool_use', name: 'classify' });
      expect(decision.safeParse(toolUse!.type === 'tool_use' && toolUse!.input).success).toBe(true);

      sandbox.enqueue({ text: 'Escalated to a moderator.' });
      const second = await client.messages.create({
        model: MODEL,
        max_tokens: 256,
        tools: [classify],
        messages: [
          question,
          { role: 'assistant', content: first.content },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: toolUse!.type === 'tool_use' ? toolUse!.id : '',
                content: 'ok',
              },
            ],
          },
        ],
      });
      expect(second.content).toEqual([{ type: 'text', text: 'Escalated to a moderator.', citations: null }]);
    });

    it('streams a scripted tool call as input_json_delta fragments the SDK reassembles', async () => {
      const input = {
        action: 'escalate',
        confidence: 0.9,
        reason: 'outage reported by several members',
        tags: ['bot'],
      };
      sandbox.enqueue({ text: 'Let me classify this.', toolUse: { name: 'classify', input } });

      const final = await client.messages.stream({ ...ask('classify'), tools: [classify] }).finalMessage();

      expect(final.stop_reason).toBe('tool_use');
      expect(final.content).toMatchObject([
        { type: 'text', text: 'Let me classify this.' },
        { type: 'tool_use', name: 'classify', input },
      ]);
    });

    it('rejects a tool_result that answers no tool_use', async () => {
      const request = client.messages.create({
        model: MODEL,
        max_tokens: 64,
        tools: [classify],
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'hello' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_unknown', content: 'x' }] },
        ],
      });
      await expect(request).rejects.toMatchObject({
        status: 400,
        type: 'invalid_request_error',
        apiMessage: expect.stringContaining('unexpected `tool_use_id`'),
      });
    });

    it('fails at once, without retries, when a script calls a tool the request did not offer', async () => {
      const retrying = new Anthropic({ apiKey: 'k', baseURL: sandbox.url, maxRetries: 2 });
      sandbox.enqueue({ toolUse: { name: 'ban_member', input: {} } });

      await expect(retrying.messages.create(ask('hi'))).rejects.toMatchObject({
        status: 500,
        apiMessage: expect.stringContaining('"ban_member" is not among the request\'s tools'),
      });
      expect(sandbox.requestCount).toBe(1);
    });
  });

  describe('prompt caching', () => {
    const knowledge = 'Steward answers questions from the knowledge base. '.repeat(40);
    const cachedRequest = (question: string): Anthropic.MessageCreateParamsNonStreaming => ({
      model: MODEL,
      max_tokens: 128,
      system: [{ type: 'text', text: knowledge, cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: question }],
    });

    it('writes the prefix up to the breakpoint once, then reads it', async () => {
      const first = await client.messages.create(cachedRequest('What is Steward?'));
      const second = await client.messages.create(cachedRequest('How do I install it?'));

      expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(400);
      expect(first.usage.cache_read_input_tokens).toBe(0);
      expect(second.usage.cache_creation_input_tokens).toBe(0);
      expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
      expect(second.usage.input_tokens).toBeLessThan(20);
    });

    it('does not read a prefix cached for another model, nor without breakpoints', async () => {
      await client.messages.create(cachedRequest('q'));
      const otherModel = await client.messages.create({ ...cachedRequest('q'), model: 'claude-sonnet-5-5' });
      const uncached = await client.messages.create({ ...cachedRequest('q'), system: knowledge });

      expect(otherModel.usage.cache_read_input_tokens).toBe(0);
      expect(otherModel.usage.cache_creation_input_tokens).toBeGreaterThan(0);
      expect(uncached.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
      expect(uncached.usage.input_tokens).toBeGreaterThan(400);
    });
  });

  describe('errors', () => {
    it('answers 401 authentication_error without an API key', async () => {
      const anonymous = new Anthropic({
        apiKey: null,
        baseURL: sandbox.url,
        defaultHeaders: { Authorization: null },
      });

      const error = await anonymous.messages.create(ask('hi')).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(error).toMatchObject({
        status: 401,
        type: 'authentication_error',
        requestID: expect.stringMatching(/^req_/),
      });
    });

    it('answers 400 invalid_request_error for a malformed body', async () => {
      const missingMaxTokens = { model: MODEL, messages: [{ role: 'user', content: 'hi' }] } as never;
      const repeatedRole = {
        ...ask('hi'),
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
        ],
      } as never;

      await expect(client.messages.create(missingMaxTokens)).rejects.toMatchObject({
        status: 400,
        error: {
          type: 'error',
          error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
        },
      });
      await expect(client.messages.create(repeatedRole)).rejects.toMatchObject({
        status: 400,
        apiMessage: expect.stringContaining('roles must alternate'),
      });
      await expect(client.messages.create({ ...ask('hi'), messages: [] })).rejects.toBeInstanceOf(
        Anthropic.BadRequestError,
      );
      // Rejected requests are recorded but leave scripted replies for the next valid one.
      expect(sandbox.requests.map((r) => r.status)).toEqual([400, 400, 400]);
    });

    it('answers invalid JSON and a missing anthropic-version in the API error shape', async () => {
      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${sandbox.url}/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': 'k', ...headers },
          body,
        });

      const badJson = await post({ 'anthropic-version': '2023-06-01' }, '{"model":');
      const noVersion = await post({}, JSON.stringify(ask('hi')));

      expect(badJson.status).toBe(400);
      expect(badJson.headers.get('request-id')).toMatch(/^req_/);
      expect(await badJson.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(await noVersion.json()).toMatchObject({
        error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' },
      });
    });

    it('answers 429 with retry-after, which the SDK waits out before its successful retry', async () => {
      const retrying = new Anthropic({ apiKey: 'k', baseURL: sandbox.url, maxRetries: 2 });
      sandbox.enqueue(
        {
          error: {
            status: 429,
            type: 'rate_limit_error',
            message: 'Number of requests has exceeded your rate limit',
            retryAfterSeconds: 1,
          },
        },
        { text: 'after the wait' },
      );

      const started = Date.now();
      const message = await retrying.messages.create(ask('hi'));

      expect(message.content).toEqual([{ type: 'text', text: 'after the wait', citations: null }]);
      expect(sandbox.requests.map((r) => r.status)).toEqual([429, 200]);
      // The SDK's own first backoff is at most 500 ms; a full second means it read retry-after.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    });

    it('surfaces 529 overloaded_error once the retries are used up', async () => {
      const retrying = new Anthropic({ apiKey: 'k', baseURL: sandbox.url, maxRetries: 1 });
      const overloaded = {
        error: {
          status: 529,
          type: 'overloaded_error' as const,
          message: 'Overloaded',
          retryAfterSeconds: 0.05,
        },
      };
      sandbox.enqueue(overloaded, overloaded, { text: 'never reached' });

      await expect(retrying.messages.create(ask('hi'))).rejects.toMatchObject({
        status: 529,
        type: 'overloaded_error',
      });
      expect(sandbox.requestCount).toBe(2);
    });

    it('holds the answer for delayMs, long enough for a client timeout', async () => {
      sandbox.enqueue({ delayMs: 500 });

      const request = client.messages.create(ask('slow'), { timeout: 100 });

      await expect(request).rejects.toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    });
  });
});
