import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AnthropicApiError } from './api-error.js';
import { defaultReply } from './default-reply.js';
import { newId } from './ids.js';
import { buildMessage, type AssistantTurn } from './message.js';
import { PromptCache, promptSegments } from './prompt-cache.js';
import { toolName, validateMessagesRequest, type MessagesRequest } from './request-validation.js';
import type { RecordedRequest, Responder, ScriptedReply, TextReply, ToolUseReply } from './script.js';
import { formatServerSentEvent, messageStreamEvents } from './stream-events.js';

export interface AnthropicSandboxOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
}

/** A stand-in for the Anthropic Messages API that `new Anthropic({ baseURL: url })` talks to. */
export interface AnthropicSandbox {
  /** Base URL for the SDK's `baseURL` option or `ANTHROPIC_BASE_URL`. */
  readonly url: string;
  /** Every `POST /v1/messages` received, rejected ones included, oldest first. */
  readonly requests: readonly RecordedRequest[];
  readonly requestCount: number;
  lastRequest(): RecordedRequest | undefined;
  /** Answers the next valid requests with these replies, in order, before any responder. */
  enqueue(...replies: ScriptedReply[]): void;
  /** Answers valid requests once the queue is empty; `undefined` restores the default reply. */
  respondWith(responder: Responder | undefined): void;
  /** Forgets recorded requests, queued replies, the responder and the prompt cache. */
  reset(): void;
  close(): Promise<void>;
}

const MESSAGES_PATH = '/v1/messages';
/** The API's limit for a Messages request body. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface MutableRecordedRequest extends RecordedRequest {
  status: number | undefined;
}

export async function startAnthropicSandbox(
  options: AnthropicSandboxOptions = {},
): Promise<AnthropicSandbox> {
  const { host = '127.0.0.1', port = 0, apiKey } = options;
  const requests: MutableRecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  const promptCache = new PromptCache();
  const closing = new AbortController();
  let responder: Responder | undefined;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId('req');
    res.setHeader('request-id', requestId);
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if (req.method !== 'POST' || path !== MESSAGES_PATH) {
      req.resume();
      sendError(
        res,
        requestId,
        new AnthropicApiError(404, 'not_found_error', `${req.method} ${path} not found`),
      );
      return;
    }

    const raw = await readBody(req);
    const body = raw === undefined ? undefined : parseJson(raw);
    const recorded: MutableRecordedRequest = {
      method: req.method,
      path,
      headers: req.headers,
      body: (body ?? {}) as MessagesRequest,
      receivedAt: new Date(),
      status: undefined,
    };
    requests.push(recorded);

    try {
      if (raw === undefined) {
        throw new AnthropicApiError(
          413,
          'request_too_large',
          `Request exceeds the maximum size of ${MAX_BODY_BYTES} bytes`,
        );
      }
      authenticate(req, apiKey);
      if (!req.headers['anthropic-version']) {
        throw AnthropicApiError.invalidRequest('anthropic-version: header is required');
      }
      if (body === undefined) {
        throw AnthropicApiError.invalidRequest(
          'There was an error parsing the body of your request: invalid JSON',
        );
      }
      const request = validateMessagesRequest(body);
      const reply = queue.shift() ?? (await askResponder(recorded)) ?? defaultReply(request);
      if (reply.delayMs) await sleep(reply.delayMs, undefined, { signal: closing.signal });
      if ('error' in reply) {
        const { status, type, message, retryAfterSeconds } = reply.error;
        if (!Number.isInteger(status) || status < 400 || status > 599) {
          throw new ScriptError(`scripted error status must be 400-599, got ${status}`);
        }
        throw new AnthropicApiError(status, type, message, retryAfterSeconds);
      }
      // A reply of only `delayMs` says nothing itself: the default reply follows the delay.
      const content = 'text' in reply || 'toolUse' in reply ? reply : defaultReply(request);
      const turn = turnOf(request, content);
      const cache = promptCache.account(request.model, promptSegments(request));
      const message = buildMessage(request, turn, cache);
      recorded.status = 200;
      if (request.stream) {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
        });
        for (const event of messageStreamEvents(message)) {
          if (res.destroyed) return;
          res.write(formatServerSentEvent(event));
          // Yield between events so they reach the client as a stream, not one buffer.
          await new Promise((resolve) => setImmediate(resolve));
        }
        res.end();
      } else {
        sendJson(res, 200, message);
      }
    } catch (error) {
      if (closing.signal.aborted) {
        res.destroy();
        return;
      }
      const apiError = asApiError(error);
      recorded.status = apiError.status;
      sendError(res, requestId, apiError, { retryable: !(error instanceof ScriptError) });
    }
  }

  async function askResponder(recorded: RecordedRequest): Promise<ScriptedReply | undefined> {
    if (!responder) return undefined;
    try {
      return await responder(recorded);
    } catch (error) {
      throw new ScriptError(`responder threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    get requests() {
      return requests;
    },
    get requestCount() {
      return requests.length;
    },
    lastRequest: () => requests.at(-1),
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    respondWith: (next) => {
      responder = next;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      responder = undefined;
      promptCache.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A mistake in a test's script rather than in the request. Answered as a 500 that the SDK is
 * told not to retry, so the test fails at once with this message.
 */
class ScriptError extends Error {}

function turnOf(request: MessagesRequest, reply: TextReply | ToolUseReply): AssistantTurn {
  if (!('toolUse' in reply)) return { text: reply.text, toolUses: [] };
  const toolUses = Array.isArray(reply.toolUse) ? reply.toolUse : [reply.toolUse];
  const offered = new Set((request.tools ?? []).map(toolName));
  for (const toolUse of toolUses) {
    if (!offered.has(toolUse.name)) {
      throw new ScriptError(`scripted tool_use "${toolUse.name}" is not among the request's tools`);
    }
  }
  return { text: reply.text, toolUses };
}

function authenticate(req: IncomingMessage, expectedKey: string | undefined): void {
  // The SDK sends its key as `x-api-key` or, in recent versions, as a bearer token.
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const key = (req.headers['x-api-key'] as string | undefined) || bearer;
  if (!key) throw new AnthropicApiError(401, 'authentication_error', 'x-api-key header is required');
  if (expectedKey !== undefined && key !== expectedKey) {
    throw new AnthropicApiError(401, 'authentication_error', 'invalid x-api-key');
  }
}

/** The raw body, or undefined when it is larger than the API accepts. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function asApiError(error: unknown): AnthropicApiError {
  if (error instanceof AnthropicApiError) return error;
  const reason = error instanceof ScriptError ? 'Sandbox script error' : 'Sandbox failure';
  return new AnthropicApiError(
    500,
    'api_error',
    `${reason}: ${error instanceof Error ? error.message : String(error)}`,
  );
}

function sendError(
  res: ServerResponse,
  requestId: string,
  error: AnthropicApiError,
  { retryable }: { retryable: boolean } = { retryable: true },
): void {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  // The SDK obeys this header over its own status-based retry rule.
  if (!retryable) headers['x-should-retry'] = 'false';
  sendJson(res, error.status, error.toBody(requestId), headers);
}
