import Anthropic from '@anthropic-ai/sdk';

/** Retries of a failed request (429, 5xx, connection errors) unless told otherwise. */
export const DEFAULT_MAX_RETRIES = 2;

/** How to reach Anthropic: the same for the answer engine, the moderation judge and the post writer. */
export interface AnthropicConnection {
  apiKey: string;
  baseUrl?: string;
  /** The time one call may take, retries included. */
  timeoutMs?: number;
  /** Retries of a failed request (429, 5xx, connection errors), with the SDK's backoff. */
  maxRetries?: number;
}

/** The SDK client and the time a call may take; `user` names the caller in the errors for bad options. */
export function connectAnthropic(
  options: AnthropicConnection,
  defaultTimeoutMs: number,
  user: string,
): { client: Anthropic; timeoutMs: number } {
  if (!options.apiKey.trim()) throw new Error(`${user} needs a non-empty API key`);
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${options.timeoutMs}`);
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: timeoutMs,
  });
  return { client, timeoutMs };
}
