import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { REST, RESTEvents, type ResponseLike } from '@discordjs/rest';
import { CONFIG } from '@steward/runtime';
import type { EgressConfig } from '../config.js';
import { BOT_CREDENTIALS, type BotCredentials } from '../credentials/bot-credentials.js';
import { rateLimitedTotal, rateLimitWaitsTotal, restResponsesTotal } from '../metrics.js';
import { countingMakeRequest } from './request-attempts.js';
import { tracedMakeRequest } from './rest-tracing.js';

/**
 * One @discordjs/rest client per bot application, so each token keeps its own rate-limit
 * buckets and global limit, plus one without a token for the interaction routes, which are
 * authorized by the interaction token in the URL.
 */
@Injectable()
export class DiscordRestClients implements OnModuleDestroy {
  private readonly bots = new Map<string, { token: string; rest: REST }>();
  private interactionClient?: REST;

  constructor(
    @Inject(CONFIG) private readonly config: EgressConfig,
    @Inject(BOT_CREDENTIALS) private readonly credentials: BotCredentials,
  ) {}

  /** The client for an application's bot; undefined when Steward holds no token for it. */
  async forBot(applicationId: string): Promise<REST | undefined> {
    const token = await this.credentials.tokenFor(applicationId);
    if (!token) return undefined;
    const current = this.bots.get(applicationId);
    if (current?.token === token) return current.rest;
    // A new or rotated token: start afresh (the old client's buckets belonged to the old token).
    if (current) this.dispose(current.rest);
    const rest = this.create().setToken(token);
    this.bots.set(applicationId, { token, rest });
    return rest;
  }

  /** The client for interaction callbacks and webhook edits (no bot token). */
  forInteractions(): REST {
    return (this.interactionClient ??= this.create());
  }

  /**
   * Drops an application's client after Discord rejected its token (401): @discordjs/rest
   * forgets a rejected token, so the next command looks the credentials up again.
   */
  forget(applicationId: string): void {
    const current = this.bots.get(applicationId);
    if (!current) return;
    this.bots.delete(applicationId);
    this.dispose(current.rest);
  }

  onModuleDestroy(): void {
    for (const { rest } of this.bots.values()) this.dispose(rest);
    this.bots.clear();
    if (this.interactionClient) this.dispose(this.interactionClient);
  }

  private create(): REST {
    const rest = new REST({
      api: this.config.DISCORD_API_URL,
      version: '10',
      retries: this.config.EGRESS_REST_RETRIES,
      timeout: this.config.EGRESS_REST_TIMEOUT_MS,
      globalRequestsPerSecond: this.config.EGRESS_GLOBAL_REQUESTS_PER_SECOND,
      makeRequest: countingMakeRequest(tracedMakeRequest()),
    });
    rest.on(RESTEvents.Response, (_request, response: ResponseLike) => {
      restResponsesTotal.inc({ status: String(response.status) });
      if (response.status === 429)
        rateLimitedTotal.inc({ scope: response.headers.get('x-ratelimit-scope') ?? 'user' });
    });
    rest.on(RESTEvents.RateLimited, (info) =>
      rateLimitWaitsTotal.inc({ scope: info.global ? 'global' : info.scope }),
    );
    return rest;
  }

  private dispose(rest: REST): void {
    rest.removeAllListeners();
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}
