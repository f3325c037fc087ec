import { createHash } from 'node:crypto';

export interface BucketState {
  bucket: string;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the window resets. */
  reset: number;
  resetAfterSeconds: number;
  /** True when this request went over the limit and must be answered with a 429. */
  exhausted: boolean;
}

interface Window {
  startedAt: number;
  used: number;
}

/** A route's limit: `limit` requests per `windowMs` per major parameter (channel, guild or webhook). */
export interface RouteLimit {
  limit: number;
  windowMs: number;
}

const DEFAULT_LIMIT: RouteLimit = { limit: 50, windowMs: 1_000 };
const SPECIFIC_LIMITS: Record<string, RouteLimit> = {
  'POST /channels/:channelId/messages': { limit: 5, windowMs: 1_000 },
  'DELETE /channels/:channelId/messages/:messageId': { limit: 5, windowMs: 1_000 },
};

/**
 * Per-route buckets with Discord's headers, so clients can pace themselves the way they do against Discord.
 * Buckets are keyed by method, route template and major parameter, as Discord's are.
 */
export class RouteBuckets {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly enabled: boolean) {}

  take(method: string, template: string, majorParameter: string): BucketState {
    const routeKey = `${method} ${template}`;
    const { limit, windowMs } = SPECIFIC_LIMITS[routeKey] ?? DEFAULT_LIMIT;
    const bucket = createHash('sha1').update(routeKey).digest('hex').slice(0, 32);
    const key = `${bucket}:${majorParameter}`;
    const now = Date.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    const resetAt = window.startedAt + windowMs;
    const exhausted = this.enabled && window.used >= limit;
    if (!exhausted) window.used++;
    return {
      bucket,
      limit,
      remaining: this.enabled ? Math.max(0, limit - window.used) : limit,
      reset: resetAt / 1000,
      resetAfterSeconds: Math.max(0, resetAt - now) / 1000,
      exhausted,
    };
  }
}

export interface RouteMatcher {
  /** HTTP method; any when omitted. */
  method?: string;
  /** Route template (`/channels/:channelId/messages`) or a concrete path; any when omitted. */
  route?: string;
  /** How many requests the fault applies to (default 1). */
  count?: number;
}

export interface RateLimitFault extends RouteMatcher {
  retryAfterSeconds?: number;
  global?: boolean;
}

export interface FailureFault extends RouteMatcher {
  status: number;
  /** Discord error code in the body; 0 when omitted. */
  code?: number;
  message?: string;
  /**
   * Carry the request out, then answer with the failure anyway: a response lost on its way
   * back (a proxy's 502 after Discord acted), so the client cannot tell it was done.
   */
  afterPerforming?: boolean;
}

type Fault = ({ kind: 'rateLimit' } & RateLimitFault) | ({ kind: 'fail' } & FailureFault);
export type MatchedFault = Fault;

/** Queued faults answered instead of the real handler for the next matching requests. */
export class FaultInjector {
  private readonly faults: Array<Fault & { left: number }> = [];

  rateLimitNext(fault: RateLimitFault): void {
    this.add({ kind: 'rateLimit', ...fault });
  }

  failNext(fault: FailureFault): void {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new RangeError('failNext status must be an HTTP error status (400-599)');
    }
    this.add({ kind: 'fail', ...fault });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault for this request, if any; each match uses up one of the fault's count. */
  take(method: string, template: string, path: string): MatchedFault | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        (!fault.method || fault.method.toUpperCase() === method) &&
        (!fault.route || fault.route === template || fault.route === path),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    if (--fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private add(fault: Fault): void {
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new RangeError('fault count must be a positive integer');
    this.faults.push({ ...fault, left: count });
  }
}
