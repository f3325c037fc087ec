import { Controller, Get, HttpStatus, Inject, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiExcludeEndpoint,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { isBusFailure } from '@steward/bus';
import { decodeMasterKey, z } from '@steward/config';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { Logger } from '@steward/telemetry';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AccountsService } from '../accounts/accounts.service.js';
import type { AuthContext } from '../auth/auth-context.js';
import { readCookie, SESSION_COOKIE } from '../auth/cookies.js';
import { CurrentAuth } from '../auth/current-auth.decorator.js';
import { Public } from '../auth/public.decorator.js';
import { OwnerOnly } from '../auth/roles.decorator.js';
import { SessionsService } from '../auth/sessions.service.js';
import { discordOAuthUrl, publicUrl, type AdminApiConfig } from '../config.js';
import { GuildsService } from '../guilds/guilds.service.js';
import { ApiErrorResponses } from '../http/api-error-responses.decorator.js';
import { ApiError } from '../http/api-error.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { BOT_PERMISSIONS, BOT_SCOPES } from './bot-permissions.js';
import { DiscordOAuthClient, OAuthExchangeError } from './discord-oauth.client.js';
import { InstallStateSigner } from './install-state.js';

const installLink = z
  .object({ url: z.url().meta({ description: "Discord's consent page: open it in the browser" }) })
  .meta({ id: 'InstallLink' });

/** The callback's query, as Discord sends it; anything odd ends on the dashboard with an error code. */
const callbackQuery = z.object({
  code: z.string().max(500).optional(),
  state: z.string().max(2000).optional(),
  guild_id: z.string().max(30).optional(),
  error: z.string().max(100).optional(),
});

/** Where the dashboard lists servers; the callback sends the browser back there. */
const SERVERS_PAGE = '/servers';

/**
 * "Add to Discord": the authorize URL of the platform application, and the OAuth2 callback
 * that links the chosen server to the tenant and publishes its configuration.
 */
@ApiTags('install')
@Controller(`${API_PREFIX}/discord`)
export class InstallController {
  private readonly signer: InstallStateSigner | null;

  constructor(
    private readonly guilds: GuildsService,
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    private readonly oauth: DiscordOAuthClient,
    @Inject(CONFIG) private readonly config: AdminApiConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const masterKey = config.STEWARD_MASTER_KEY ? decodeMasterKey(config.STEWARD_MASTER_KEY) : null;
    this.signer = masterKey ? new InstallStateSigner(masterKey) : null;
  }

  private get redirectUri(): string {
    return `${publicUrl(this.config)}/${API_PREFIX}/discord/callback`;
  }

  @Get('install')
  @OwnerOnly()
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({
    summary: 'The "Add to Discord" link for this tenant',
    description: `Scopes \`${BOT_SCOPES.join(' ')}\`, permissions ${BOT_PERMISSIONS}; the link is valid for 15 minutes.`,
  })
  @ApiResponse({ status: 200, description: 'The link', standardSchema: installLink })
  @ApiResponse({ status: 403, description: 'Only the owner adds servers, signed in to the dashboard (`session_required` with an API key)' })
  @ApiErrorResponses(401, 503)
  install(@CurrentAuth() auth: AuthContext): { url: string } {
    const missing = [
      ['DISCORD_APPLICATION_ID', this.config.DISCORD_APPLICATION_ID],
      ['DISCORD_CLIENT_SECRET', this.config.DISCORD_CLIENT_SECRET],
      ['STEWARD_MASTER_KEY', this.signer],
    ]
      .filter(([, value]) => !value)
      .map(([name]) => name);
    if (missing.length || !this.signer || !this.config.DISCORD_APPLICATION_ID)
      throw new ApiError(
        HttpStatus.SERVICE_UNAVAILABLE,
        'install_unavailable',
        `Adding servers is not configured on this installation: set ${missing.join(', ')}`,
      );
    // The server is linked to whoever completes the link, so it must end in the browser session
    // that asked for it: a link made with an API key could be handed to another server's owner.
    if (!auth.sessionId)
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'session_required',
        'Servers are added from the dashboard: sign in and use "Add to Discord"',
      );
    const state = this.signer.sign({ tenantId: auth.tenantId, sessionHash: sessionHash(auth.sessionId) });
    const url = new URL(`${discordOAuthUrl(this.config)}/oauth2/authorize`);
    url.search = new URLSearchParams({
      client_id: this.config.DISCORD_APPLICATION_ID,
      scope: BOT_SCOPES.join(' '),
      permissions: BOT_PERMISSIONS.toString(),
      response_type: 'code',
      redirect_uri: this.redirectUri,
      state,
    }).toString();
    return { url: url.toString() };
  }

  @Get('callback')
  @Public()
  @ApiExcludeEndpoint()
  async callback(
    @Query() rawQuery: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const outcome = await this.complete(rawQuery, request);
    const target = new URL(`${publicUrl(this.config)}${SERVERS_PAGE}`);
    if ('guildId' in outcome) target.searchParams.set('connected', outcome.guildId);
    else target.searchParams.set('error', outcome.error);
    void reply.header('Cache-Control', 'no-store').redirect(target.toString(), HttpStatus.FOUND);
  }

  private async complete(
    rawQuery: unknown,
    request: FastifyRequest,
  ): Promise<{ guildId: string } | { error: string }> {
    const query = callbackQuery.safeParse(rawQuery);
    if (!query.success) return { error: 'invalid_request' };
    const { code, state, error } = query.data;
    if (error) return { error: error === 'access_denied' ? 'access_denied' : 'authorization_failed' };
    if (!this.signer || !this.config.DISCORD_APPLICATION_ID || !this.config.DISCORD_CLIENT_SECRET)
      return { error: 'install_unavailable' };
    const checked = this.signer.verify(state);
    if (!checked.ok) return { error: checked.reason };
    const { tenantId, sessionHash: expectedSession } = checked.claims;
    // It must end in the browser session that started it.
    const token = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = token ? await this.sessions.find(token) : null;
    if (!session || sessionHash(session.sessionId) !== expectedSession) return { error: 'session_mismatch' };
    if (!code) return { error: 'invalid_request' };
    const tenant = await this.accounts.findTenant(tenantId);
    if (!tenant) return { error: 'invalid_state' };

    let granted;
    try {
      granted = await this.oauth.exchange({
        clientId: this.config.DISCORD_APPLICATION_ID,
        clientSecret: this.config.DISCORD_CLIENT_SECRET,
        code,
        redirectUri: this.redirectUri,
      });
    } catch (failure) {
      if (!(failure instanceof OAuthExchangeError)) throw failure;
      this.logger.warn({ tenantId, err: failure.message }, 'install: code exchange failed');
      return { error: 'exchange_failed' };
    }
    if (!granted.guild) return { error: 'no_guild' };
    let linked;
    try {
      linked = await this.guilds.link({
        tenantId,
        guildId: granted.guild.id,
        applicationId: this.config.DISCORD_APPLICATION_ID,
        name: granted.guild.name,
        icon: granted.guild.icon ?? null,
      });
    } catch (failure) {
      // The person lands on the Servers page either way, told that adding the server failed.
      this.logger.error({ tenantId, guildId: granted.guild.id, err: failure }, 'install: could not link the guild');
      return { error: isBusFailure(failure) ? 'unavailable' : 'link_failed' };
    }
    if (linked.outcome === 'taken') return { error: 'guild_taken' };
    this.logger.info(
      { tenantId, guildId: granted.guild.id, outcome: linked.outcome },
      'install: guild linked',
    );
    return { guildId: granted.guild.id };
  }
}

function sessionHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('base64url').slice(0, 22);
}
