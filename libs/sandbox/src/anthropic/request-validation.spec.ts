import { describe, expect, it } from '@jest/globals';
import { exampleFromSchema } from './default-reply.js';
import { validateMessagesRequest } from './request-validation.js';

const base = { model: 'claude-haiku-5-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
const tool = (name: string) => ({ name, input_schema: { type: 'object', properties: {} } });
const rejection = (body: unknown) => {
  try {
    validateMessagesRequest(body);
  } catch (error) {
    return { status: (error as { status: number }).status, message: (error as Error).message };
  }
  throw new Error('the request was accepted');
};

describe('validateMessagesRequest', () => {
  it('accepts a minimal request and prefill by a final assistant message', () => {
    expect(validateMessagesRequest(base)).toBe(base);
    const prefill = { ...base, messages: [...base.messages, { role: 'assistant', content: '{' }] };
    expect(validateMessagesRequest(prefill)).toBe(prefill);
  });

  it.each([
    ['a missing model', { ...base, model: undefined }, 'model: Field required'],
    ['max_tokens of 0', { ...base, max_tokens: 0 }, 'max_tokens: Too small: expected number to be >=1'],
    [
      'a conversation opened by the assistant',
      { ...base, messages: [{ role: 'assistant', content: 'hi' }] },
      'messages: first message must use the "user" role',
    ],
    [
      'empty content',
      { ...base, messages: [{ role: 'user', content: '' }] },
      'messages.0: all messages must have non-empty content',
    ],
    [
      'an unknown role',
      { ...base, messages: [{ role: 'robot', content: 'x' }] },
      'messages.0.role: Invalid option',
    ],
    [
      'tool_choice without tools',
      { ...base, tool_choice: { type: 'any' } },
      'tool_choice may only be specified while providing tools.',
    ],
    [
      'tool_choice naming an unknown tool',
      { ...base, tools: [tool('a')], tool_choice: { type: 'tool', name: 'b' } },
      "Tool 'b' not found",
    ],
    ['duplicate tool names', { ...base, tools: [tool('a'), tool('a')] }, 'tools: Tool names must be unique.'],
    [
      'a custom tool without input_schema',
      { ...base, tools: [{ name: 'a' }] },
      'tools.0.input_schema: Field required',
    ],
  ])('rejects %s', (_case, body, message) => {
    expect(rejection(body)).toEqual({ status: 400, message: expect.stringContaining(message) });
  });

  it('rejects an assistant tool_use left without a tool_result in the next message', () => {
    const body = {
      ...base,
      tools: [tool('lookup')],
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
        { role: 'user', content: 'and?' },
      ],
    };
    expect(rejection(body).message).toContain(
      '`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1',
    );
  });

  it('allows at most four cache breakpoints', () => {
    const cached = { type: 'text', text: 'x', cache_control: { type: 'ephemeral' } };
    const body = {
      ...base,
      system: [cached, cached, cached],
      messages: [{ role: 'user', content: [cached, cached] }],
    };
    expect(rejection(body).message).toBe(
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
    );
  });
});

describe('exampleFromSchema', () => {
  it('fills required properties only, honouring enums, bounds, lengths, unions and local refs', () => {
    const schema = {
      type: 'object',
      properties: {
        kind: { enum: ['spam', 'ok'] },
        score: { type: 'integer', minimum: 1 },
        label: { type: 'string', minLength: 2 },
        items: { type: 'array', minItems: 1, items: { $ref: '#/$defs/item' } },
        either: { anyOf: [{ type: 'boolean' }, { type: 'string' }] },
        optional: { type: 'string' },
      },
      required: ['kind', 'score', 'label', 'items', 'either'],
      $defs: { item: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    };
    expect(exampleFromSchema(schema)).toEqual({
      kind: 'spam',
      score: 1,
      label: 'xx',
      items: [{ id: '' }],
      either: false,
    });
  });
});
