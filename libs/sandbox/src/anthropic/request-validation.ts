import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { AnthropicApiError } from './api-error.js';
import { promptSegments } from './prompt-cache.js';

/** The body of `POST /v1/messages` once it has passed validation. */
export type MessagesRequest = Anthropic.MessageCreateParams;

const MAX_CACHE_BREAKPOINTS = 4;

// The schemas check what the stand-in relies on and what the API rejects most often; other
// fields pass through untouched, as the API accepts many more than are modelled here.
const cacheControl = z
  .looseObject({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() })
  .nullable()
  .optional();

const contentBlock = z.looseObject({ type: z.string().min(1), cache_control: cacheControl });

const messageParam = z.looseObject({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(contentBlock)]),
});

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string(), cache_control: cacheControl });

const tool = z.looseObject({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,128}$/, 'String should match pattern ^[a-zA-Z0-9_-]{1,128}$')
    .optional(),
  type: z.string().optional(),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }).optional(),
  cache_control: cacheControl,
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal('none') }),
]);

const messagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1),
  messages: z.array(messageParam).min(1, 'at least one message is required'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string().min(1)).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).optional(),
  cache_control: cacheControl,
});

/** Validates a parsed JSON body like the API does, throwing a 400 `invalid_request_error`. */
export function validateMessagesRequest(body: unknown): MessagesRequest {
  const parsed = messagesRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    const message = issue.message.endsWith('received undefined') ? 'Field required' : issue.message;
    throw AnthropicApiError.invalidRequest(path ? `${path}: ${message}` : message);
  }
  // The schema has checked every field relied on below; the rest is passed on as sent.
  const request = body as MessagesRequest;
  checkTools(request);
  checkConversation(request);
  checkCacheBreakpoints(request);
  return request;
}

function checkTools(request: MessagesRequest): void {
  const tools = request.tools ?? [];
  const names = new Set<string>();
  tools.forEach((t, index) => {
    const isCustom = !('type' in t) || t.type === undefined || t.type === 'custom';
    if (isCustom && !('input_schema' in t && t.input_schema)) {
      throw AnthropicApiError.invalidRequest(`tools.${index}.input_schema: Field required`);
    }
    const name = toolName(t);
    if (name === undefined) {
      // Only toolsets go without a name; every other tool is called by its name.
      if (isCustom) throw AnthropicApiError.invalidRequest(`tools.${index}.name: Field required`);
      return;
    }
    if (names.has(name)) throw AnthropicApiError.invalidRequest('tools: Tool names must be unique.');
    names.add(name);
  });

  const choice = request.tool_choice;
  if (choice && choice.type !== 'none' && tools.length === 0) {
    throw AnthropicApiError.invalidRequest('tool_choice may only be specified while providing tools.');
  }
  if (choice?.type === 'tool' && !names.has(choice.name)) {
    throw AnthropicApiError.invalidRequest(
      `tool_choice.name: Tool '${choice.name}' not found in provided tools`,
    );
  }
}

export function toolName(tool: Anthropic.ToolUnion): string | undefined {
  return 'name' in tool ? tool.name : undefined;
}

type Block = Exclude<Anthropic.MessageParam['content'], string>[number];

function blocksOf(message: Anthropic.MessageParam): Block[] {
  return typeof message.content === 'string' ? [] : message.content;
}

function toolUseIds(message: Anthropic.MessageParam): string[] {
  return blocksOf(message).flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
}

/** Turn order, non-empty content and the pairing of `tool_use` with `tool_result` blocks. */
function checkConversation(request: MessagesRequest): void {
  const turns = request.messages
    .map((message, index) => ({ message, index }))
    .filter((t) => t.message.role !== 'system');
  const lastIndex = request.messages.length - 1;

  if (turns[0] && turns[0].message.role !== 'user') {
    throw AnthropicApiError.invalidRequest('messages: first message must use the "user" role');
  }
  let usesToolBlocks = false;
  turns.forEach(({ message, index }, turn) => {
    const previous = turns[turn - 1]?.message;
    if (previous && previous.role === message.role) {
      throw AnthropicApiError.invalidRequest(
        `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`,
      );
    }
    const blocks = blocksOf(message);
    const isEmpty = typeof message.content === 'string' ? message.content.length === 0 : blocks.length === 0;
    if (isEmpty && !(index === lastIndex && message.role === 'assistant')) {
      throw AnthropicApiError.invalidRequest(
        `messages.${index}: all messages must have non-empty content except for the optional final assistant message`,
      );
    }
    if (blocks.some((b) => b.type === 'text' && b.text.length === 0)) {
      throw AnthropicApiError.invalidRequest('messages: text content blocks must be non-empty');
    }
    if (blocks.some((b) => b.type === 'tool_use' || b.type === 'tool_result')) usesToolBlocks = true;

    const expectedIds = previous?.role === 'assistant' ? toolUseIds(previous) : [];
    blocks.forEach((b, blockIndex) => {
      if (b.type === 'tool_result' && !expectedIds.includes(b.tool_use_id)) {
        throw AnthropicApiError.invalidRequest(
          `messages.${index}.content.${blockIndex}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${b.tool_use_id}. ` +
            'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
        );
      }
    });
    if (message.role === 'assistant' && index !== lastIndex) {
      const next = turns[turn + 1]?.message;
      const answered = new Set(
        (next ? blocksOf(next) : []).flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])),
      );
      const unanswered = toolUseIds(message).filter((id) => !answered.has(id));
      if (unanswered.length > 0) {
        throw AnthropicApiError.invalidRequest(
          `messages.${index + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. ` +
            'Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
        );
      }
    }
  });
  if (usesToolBlocks && (request.tools ?? []).length === 0) {
    throw AnthropicApiError.invalidRequest(
      'Requests which include `tool_use` or `tool_result` blocks must define tools.',
    );
  }
}

function checkCacheBreakpoints(request: MessagesRequest): void {
  // Counted before the top-level `cache_control` adds its own automatic breakpoint.
  const explicit = promptSegments({ ...request, cache_control: null }).filter((s) => s.breakpoint).length;
  if (explicit > MAX_CACHE_BREAKPOINTS) {
    throw AnthropicApiError.invalidRequest(
      `A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${explicit}.`,
    );
  }
}
