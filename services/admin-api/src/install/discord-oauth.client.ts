import { Inject, Injectable } from '@nestjs/common';
import { z } from '@steward/config';
import { CONFIG } from '@steward/runtime';
import type { AdminApiConfig } from '../config.js';

const EXCHANGE_TIMEOUT_MS = 10_000;

const tokenResponse = z.object({
  access_token: z.string(),
  scope: z.string().optional(),
  /** Present for the `bot` scope: the server the bot was added to. */
  guild: z
    .object({ id: z.string().regex(/^\d{15,21}$/), name: z.string(), icon: z.string().nullable().optional() })
    .optional(),
});
export type TokenResponse = z.infer<typeof tokenResponse>;

/** Why an exchange failed, for the log (never the secret or the code). */
export class OAuthExchangeError extends Error {
  override readonly name = 'OAuthExchangeError';
}

/** Discord's OAuth2 token endpoint: turns the callback's code into the grant (and the guild). */
@Injectable()
export class DiscordOAuthClient {
  constructor(@Inject(CONFIG) private readonly config: AdminApiConfig) {}

  async exchange(input: {
    clientId: string;
    clientSecret: string;
    code: string;
    redirectUri: string;
  }): Promise<TokenResponse> {
    const url = `${this.config.DISCORD_API_URL.replace(/\/+$/, '')}/v10/oauth2/token`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: input.code,
          redirect_uri: input.redirectUri,
          client_id: input.clientId,
          client_secret: input.clientSecret,
        }),
        signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS),
      });
    } catch (error) {
      throw new OAuthExchangeError(
        `Discord's token endpoint could not be reached: ${(error as Error).message}`,
      );
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const reason = (body as { error?: unknown; error_description?: unknown } | null) ?? {};
      throw new OAuthExchangeError(
        `Discord refused the code exchange (${response.status} ${String(reason.error ?? '')}: ${String(reason.error_description ?? '')})`,
      );
    }
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success)
      throw new OAuthExchangeError('Discord answered the code exchange with an unexpected shape');
    return parsed.data;
  }
}
