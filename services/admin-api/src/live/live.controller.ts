import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from '@steward/config';
import { Counter, Gauge, metricsRegistry } from '@steward/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestAuthentication } from '../auth/request-authentication.js';
import { TenantId } from '../auth/tenant-id.decorator.js';
import { PlanGate } from '../conversations/plan-gate.js';
import { PlanRequiredError } from '../conversations/plan-required.error.js';
import { ApiError } from '../http/api-error.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { LiveFeed } from './live-feed.js';

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
export const LIVE_HEARTBEAT_MS = 15_000;
/**
 * How often an open stream checks that its key or session still holds and the plan still
 * includes live monitoring: a revoked key or a sign-out ends it within this time (the plan is
 * read through PlanGate's 30 s cache).
 */
export const LIVE_RECHECK_MS = 5_000;
/** How long a browser waits before reconnecting (it then sends Last-Event-ID). */
const RECONNECT_MS = 3_000;

const feedsStarted = new Counter({
  name: 'steward_admin_live_feeds_total',
  help: 'Live feeds asked for, by outcome: opened, refused (too many open, or NATS failed), client_gone (the client left while it was being opened)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
const feedsOpen = new Gauge({
  name: 'steward_admin_live_feeds_open',
  help: 'Live feeds open on this replica',
  registers: [metricsRegistry],
});

const eventId = z.string().regex(/^\d{1,19}$/, 'must be the id of an event of this stream');

/**
 * `GET /live`: Server-Sent Events of the tenant's conversations as they happen — `turn`,
 * `message`, `delivery`, `takeover`, `released`, `resumed`, `escalated` — each with `id:` set to its
 * stream sequence. A reconnect with `Last-Event-ID` (or `?lastEventId=`) replays what it missed,
 * up to ADMIN_LIVE_REPLAY_MAX_FACTS facts back.
 */
@ApiTags('conversations')
@ApiBearerAuth()
@ApiErrorResponses(400, 401, 503)
@Controller(API_PREFIX)
export class LiveController {
  constructor(
    private readonly feed: LiveFeed,
    private readonly plans: PlanGate,
    private readonly authentication: RequestAuthentication,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Live feed of conversations (Server-Sent Events)',
    description:
      "Events `turn`, `message`, `delivery` (whether Discord took an agent's message), `takeover`, `released`, `resumed`, `escalated`, each a JSON object with `conversationId`. " +
      'Send `Last-Event-ID` to continue after the last event seen.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Replay the events after this one' })
  @ApiResponse({ status: 200, description: 'An event stream that stays open' })
  @ApiResponse({ status: 403, description: 'The plan does not include live monitoring (`plan_required`)' })
  @ApiResponse({
    status: 429,
    description: 'The tenant already has ADMIN_LIVE_STREAMS_PER_TENANT feeds open here (`too_many_streams`)',
  })
  async live(
    @TenantId() tenantId: string,
    @Headers('last-event-id') lastEventHeader: unknown,
    @Query('lastEventId') lastEventQuery: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = parseEventId(lastEventHeader || lastEventQuery);
    await this.plans.requireLiveMonitoring(tenantId);
    let subscription;
    try {
      subscription = await this.feed.subscribe(tenantId, after);
    } catch (error) {
      feedsStarted.inc({ outcome: 'refused' });
      throw error;
    }
    reply.hijack();
    if (request.raw.destroyed) {
      // The client left while the feed was being opened: its close event has passed already,
      // and the feed would keep its place among the tenant's open feeds.
      subscription.close();
      feedsStarted.inc({ outcome: 'client_gone' });
      return;
    }
    feedsStarted.inc({ outcome: 'opened' });
    feedsOpen.inc();

    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RECONNECT_MS}\n: connected\n\n`);
    const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), LIVE_HEARTBEAT_MS);
    heartbeat.unref();
    const recheck = setInterval(() => {
      void this.stillAllowed(request, tenantId).then((allowed) => {
        if (!allowed) end();
      });
    }, LIVE_RECHECK_MS);
    recheck.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      feedsOpen.dec();
      clearInterval(heartbeat);
      clearInterval(recheck);
      forget();
      subscription.close();
      if (!response.writableEnded) response.end();
    };
    const forget = this.feed.onClose(end);
    response.on('close', end);

    void (async () => {
      try {
        for await (const event of subscription.events) {
          if (ended) break;
          response.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
        }
      } finally {
        end();
      }
    })();
  }

  /** False once the credential is revoked or the plan lost live monitoring; a failed check is no answer. */
  private async stillAllowed(request: FastifyRequest, tenantId: string): Promise<boolean> {
    try {
      if (!(await this.authentication.stillValid(request))) return false;
      await this.plans.requireLiveMonitoring(tenantId);
      return true;
    } catch (error) {
      return !(error instanceof PlanRequiredError);
    }
  }
}

/** `lastEventId` given twice in the query arrives as an array: one id is expected. */
function parseEventId(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = typeof value === 'string' ? eventId.safeParse(value.trim()) : undefined;
  if (!parsed?.success) {
    const message = parsed ? parsed.error.issues[0]!.message : 'must be one event id';
    throw ApiError.validation([{ field: 'Last-Event-ID', message }]);
  }
  return Number(parsed.data);
}
