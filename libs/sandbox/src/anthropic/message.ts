import type Anthropic from '@anthropic-ai/sdk';
import { newId } from './ids.js';
import type { CacheAccounting } from './prompt-cache.js';
import type { MessagesRequest } from './request-validation.js';
import type { ScriptedToolUse } from './script.js';
import { estimateTokens } from './tokens.js';

/** What the assistant says: optional text, then tool calls. */
export interface AssistantTurn {
  readonly text: string | undefined;
  readonly toolUses: readonly ScriptedToolUse[];
}

/**
 * The `Message` the API would return for this turn. Text-only turns honour `stop_sequences` and
 * `max_tokens` (cut at the first stop sequence, or to `max_tokens` estimated tokens).
 */
export function buildMessage(
  request: MessagesRequest,
  turn: AssistantTurn,
  cache: CacheAccounting,
): Anthropic.Message {
  const content: Anthropic.ContentBlock[] = [];
  let stopReason: Anthropic.StopReason = 'end_turn';
  let stopSequence: string | null = null;
  let text = turn.text;

  if (text !== undefined && turn.toolUses.length === 0) {
    const firstStop = (request.stop_sequences ?? [])
      .map((sequence) => ({ sequence, at: text!.indexOf(sequence) }))
      .filter((hit) => hit.at >= 0)
      .sort((a, b) => a.at - b.at)[0];
    if (firstStop) {
      text = text.slice(0, firstStop.at);
      stopReason = 'stop_sequence';
      stopSequence = firstStop.sequence;
    }
    const maxChars = request.max_tokens * 4;
    if (text.length > maxChars) {
      text = text.slice(0, maxChars);
      stopReason = 'max_tokens';
      stopSequence = null;
    }
  }

  if (text) content.push({ type: 'text', text, citations: null });
  for (const toolUse of turn.toolUses) {
    content.push({
      type: 'tool_use',
      id: toolUse.id ?? newId('toolu'),
      name: toolUse.name,
      input: toolUse.input,
      caller: { type: 'direct' },
    });
  }
  if (turn.toolUses.length > 0) stopReason = 'tool_use';

  const outputTokens = content.reduce(
    (sum, block) => sum + estimateTokens(block.type === 'text' ? block.text : JSON.stringify(block)),
    0,
  );
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model: request.model,
    content,
    stop_reason: stopReason,
    stop_sequence: stopSequence,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: cache.uncachedInputTokens,
      output_tokens: Math.max(1, outputTokens),
      cache_creation_input_tokens: cache.cacheCreationInputTokens,
      cache_read_input_tokens: cache.cacheReadInputTokens,
      cache_creation: cache.cacheCreation,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: null,
    },
  };
}
