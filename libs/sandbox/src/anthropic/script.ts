import type { IncomingHttpHeaders } from 'node:http';
import type { AnthropicErrorType } from './api-error.js';
import type { MessagesRequest } from './request-validation.js';

/** A tool call the stand-in answers with; `id` defaults to a fresh `toolu_…` id. */
export interface ScriptedToolUse {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

export interface TextReply {
  text: string;
  delayMs?: number;
}

/** One or more tool calls, optionally after some text. */
export interface ToolUseReply {
  toolUse: ScriptedToolUse | ScriptedToolUse[];
  text?: string;
  delayMs?: number;
}

/** An API error, e.g. 429 `rate_limit_error` (with `retry-after`), 529 `overloaded_error`, 500 `api_error`. */
export interface ErrorReply {
  error: { status: number; type: AnthropicErrorType; message: string; retryAfterSeconds?: number };
  delayMs?: number;
}

/** Only a delay: the default reply follows it. */
export interface DelayReply {
  delayMs: number;
}

/** What the stand-in answers to one request; `delayMs` waits that long before answering. */
export type ScriptedReply = TextReply | ToolUseReply | ErrorReply | DelayReply;

/** One request as it reached the stand-in. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body as sent; it matches the type whenever `status` is 200. */
  readonly body: MessagesRequest;
  readonly receivedAt: Date;
  /** The HTTP status answered, or undefined while the answer is pending. */
  readonly status: number | undefined;
}

/** Decides the answer to a valid request; `undefined` falls back to the default reply. */
export type Responder = (
  request: RecordedRequest,
) => ScriptedReply | undefined | Promise<ScriptedReply | undefined>;
