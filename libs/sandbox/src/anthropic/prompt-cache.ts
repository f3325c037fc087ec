import { createHash } from 'node:crypto';
import type { MessagesRequest } from './request-validation.js';
import { estimateTokens } from './tokens.js';

export type CacheTtl = '5m' | '1h';

/**
 * One cacheable unit of a prompt, in the order the API caches them: tools, then system blocks,
 * then message content blocks. `breakpoint` is set where the block carries `cache_control`.
 */
export interface PromptSegment {
  readonly content: string;
  readonly tokens: number;
  readonly breakpoint: CacheTtl | undefined;
}

export interface CacheAccounting {
  /** Tokens after the last breakpoint, which are never cached (`usage.input_tokens`). */
  readonly uncachedInputTokens: number;
  readonly cacheCreationInputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheCreation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface CacheControlled {
  cache_control?: { type: 'ephemeral'; ttl?: CacheTtl } | null;
}

function segment(block: unknown, text?: string): PromptSegment {
  const { cache_control: cacheControl, ...rest } = block as CacheControlled & Record<string, unknown>;
  const content = text ?? JSON.stringify(rest);
  return {
    content,
    tokens: estimateTokens(content),
    breakpoint: cacheControl ? (cacheControl.ttl ?? '5m') : undefined,
  };
}

/** Splits a (validated) request into the segments prompt caching works on. */
export function promptSegments(request: MessagesRequest): PromptSegment[] {
  const segments: PromptSegment[] = [];
  for (const tool of request.tools ?? []) segments.push(segment(tool));
  if (typeof request.system === 'string') segments.push(segment({}, request.system));
  else for (const block of request.system ?? []) segments.push(segment(block, block.text));
  for (const message of request.messages) {
    if (typeof message.content === 'string') {
      segments.push(segment({}, `${message.role}: ${message.content}`));
      continue;
    }
    for (const block of message.content) {
      segments.push(segment(block, block.type === 'text' ? `${message.role}: ${block.text}` : undefined));
    }
  }
  // Top-level `cache_control` asks the API to place the breakpoint on the last block itself.
  const last = segments.at(-1);
  if (request.cache_control && last && !last.breakpoint) {
    segments[segments.length - 1] = { ...last, breakpoint: request.cache_control.ttl ?? '5m' };
  }
  return segments;
}

/**
 * Remembers the prompt prefixes ending at a cache breakpoint, like the API's prompt cache: the
 * longest remembered prefix is read, the rest up to the last breakpoint is written. Entries are
 * per model and never expire (a test run is far shorter than the 5-minute TTL).
 */
export class PromptCache {
  private readonly cachedPrefixes = new Set<string>();

  account(model: string, segments: readonly PromptSegment[]): CacheAccounting {
    const totalTokens = segments.reduce((sum, s) => sum + s.tokens, 0);
    const breakpoints: { key: string; tokensUpTo: number; ttl: CacheTtl }[] = [];
    let prefixHash = createHash('sha256').update(model).digest('hex');
    let tokensUpTo = 0;
    for (const s of segments) {
      prefixHash = createHash('sha256').update(prefixHash).update('\0').update(s.content).digest('hex');
      tokensUpTo += s.tokens;
      if (s.breakpoint) breakpoints.push({ key: prefixHash, tokensUpTo, ttl: s.breakpoint });
    }

    const lastBreakpoint = breakpoints.at(-1);
    if (!lastBreakpoint) {
      return {
        uncachedInputTokens: totalTokens,
        cacheCreationInputTokens: 0,
        cacheReadInputTokens: 0,
        cacheCreation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      };
    }

    let hitIndex = -1;
    breakpoints.forEach((b, index) => {
      if (this.cachedPrefixes.has(b.key)) hitIndex = index;
    });
    const cacheReadInputTokens = hitIndex >= 0 ? breakpoints[hitIndex]!.tokensUpTo : 0;
    const cacheCreation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    let previousTokensUpTo = cacheReadInputTokens;
    for (const b of breakpoints.slice(hitIndex + 1)) {
      const written = b.tokensUpTo - previousTokensUpTo;
      if (b.ttl === '1h') cacheCreation.ephemeral_1h_input_tokens += written;
      else cacheCreation.ephemeral_5m_input_tokens += written;
      previousTokensUpTo = b.tokensUpTo;
    }
    for (const b of breakpoints) this.cachedPrefixes.add(b.key);

    return {
      uncachedInputTokens: totalTokens - lastBreakpoint.tokensUpTo,
      cacheCreationInputTokens: lastBreakpoint.tokensUpTo - cacheReadInputTokens,
      cacheReadInputTokens,
      cacheCreation,
    };
  }

  clear(): void {
    this.cachedPrefixes.clear();
  }
}
