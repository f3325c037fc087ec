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
  /** This replica's share of each bot's global limit (see GlobalLimitShare). */
  private globalRequestsPerSecond: number;

  constructor(
    @Inject(CONFIG) private readonly config: EgressConfig,
    @Inject(BOT_CREDENTIALS) private readonly credentials: BotCredentials,
  ) {
    this.globalRequestsPerSecond = config.EGRESS_GLOBAL_REQUESTS_PER_SECOND;
  }

  /** Paces every bot to this many requests a second from now on. */
  setGlobalRequestsPerSecond(perSecond: number): void {
    this.globalRequestsPerSecond = perSecond;
    for (const { rest } of this.bots.values()) {
      const previous = rest.options.globalRequestsPerSecond;
      // @discordjs/rest reads the option each time its one-second global window starts again;
      // a smaller share holds for the rest of the current window too.
      rest.options.globalRequestsPerSecond = perSecond;
      if (perSecond < previous) rest.globalRemaining -= previous - perSecond;
    }
  }

  /** The client for an application's bot; undefined when Steward holds no token for it. */
  async forBot(applicationId: string): Promise<REST | undefined> {
    const token = await this.credentials.tokenFor(applicationId);
    if (!token) return undefined;
    const current = this.bots.get(applicationId);
    if (current?.token === token) return current.rest;
    // A new or rotated token: start afresh (the old client's buckets belonged to the old token).
    if (current) this.dispose(current.rest);
    const rest = this.create(this.globalRequestsPerSecond).setToken(token);
    this.bots.set(applicationId, { token, rest });
    return rest;
  }

  /**
   * The client for interaction callbacks and webhook edits (no bot token). Discord does not
   * count interaction endpoints towards a bot's global limit, so it paces them to none.
   */
  forInteractions(): REST {
    return (this.interactionClient ??= this.create(Number.POSITIVE_INFINITY));
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

  private create(globalRequestsPerSecond: number): REST {
    const rest = new REST({
      api: this.config.DISCORD_API_URL,
      version: '10',
      retries: this.config.EGRESS_REST_RETRIES,
      timeout: this.config.EGRESS_REST_TIMEOUT_MS,
      globalRequestsPerSecond,
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
