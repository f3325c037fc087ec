/**
 * One Messages call that must end in a given tool's call (the answer engine, the moderation
 * judge and the proactive writer all work this way), within a time budget, with Anthropic's
 * failures turned into AiEngineError so callers can fall back.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { TokenUsage } from '../engine.js';
import { AiEngineError, type AiFailureReason } from '../errors.js';
import { toolInput, type ToolDefinition } from './tools.js';

export interface ForcedToolCallOptions {
  timeoutMs: number;
  /** The caller's own abort is passed on as it is: it is not a failure of the model. */
  signal?: AbortSignal;
  /** What the model was asked to do, for the timeout message ("answer", "judge", "write the post"). */
  task: string;
}

export async function callForcedTool<T>(
  client: Anthropic,
  definition: ToolDefinition<T>,
  params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'tools' | 'tool_choice'>,
  { timeoutMs, signal, task }: ForcedToolCallOptions,
): Promise<{ message: Anthropic.Message; input: T }> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let message: Anthropic.Message;
  try {
    message = await client.messages.create(
      { ...params, tools: [definition.tool], tool_choice: { type: 'tool', name: definition.name } },
      { signal: combined },
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    throw asEngineError(error, deadline.aborted, timeoutMs, task);
  }
  return { message, input: toolInput(message, definition) };
}

export function usageOf(message: Anthropic.Message): TokenUsage {
  return {
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
    cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
    cacheCreationTokens: message.usage.cache_creation_input_tokens ?? 0,
  };
}

function asEngineError(error: unknown, timedOut: boolean, timeoutMs: number, task: string): AiEngineError {
  if (timedOut || error instanceof APIConnectionTimeoutError) {
    return new AiEngineError('timeout', `Anthropic did not ${task} within ${timeoutMs} ms`, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new AiEngineError('connection', `Anthropic unreachable: ${error.message}`, { cause: error });
  }
  if (error instanceof APIError && error.status !== undefined) {
    return new AiEngineError(reasonForStatus(error.status), `Anthropic answered ${error.status}: ${error.message}`, {
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new AiEngineError('api_error', `Anthropic call failed: ${detail}`, { cause: error });
}

function reasonForStatus(status: number): AiFailureReason {
  if (status === 529) return 'overloaded';
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'authentication';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 400 && status < 500) return 'invalid_request';
  return 'api_error';
}
