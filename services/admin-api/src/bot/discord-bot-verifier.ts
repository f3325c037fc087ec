import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { CONFIG } from '@steward/runtime';
import {
  Routes,
  type RESTGetAPICurrentUserResult,
  type RESTGetCurrentApplicationResult,
} from 'discord-api-types/v10';
import type { AdminApiConfig } from '../config.js';
import { ApiError } from '../http/api-error.js';

/** What Discord says about a bot token that works. */
export interface VerifiedBot {
  botUserId: string;
  botUsername: string;
}

const VERIFY_TIMEOUT_MS = 10_000;

/**
 * Asks Discord whether a bot token is good before it is stored: `GET /users/@me` (the bot
 * user) and `GET /applications/@me` (its application, which must be the one the tenant named,
 * with the public key the tenant pasted). Errors say what to fix and never echo the token.
 */
@Injectable()
export class DiscordBotVerifier {
  constructor(@Inject(CONFIG) private readonly config: AdminApiConfig) {}

  async verify(input: { applicationId: string; publicKey: string; token: string }): Promise<VerifiedBot> {
    const rest = new REST({
      api: this.config.DISCORD_API_URL,
      version: '10',
      retries: 0,
      timeout: VERIFY_TIMEOUT_MS,
    }).setToken(input.token);
    try {
      const user = (await rest.get(Routes.user())) as RESTGetAPICurrentUserResult;
      const application = (await rest.get(Routes.currentApplication())) as RESTGetCurrentApplicationResult;
      if (application.id !== input.applicationId)
        throw invalid(
          'applicationId',
          'application_mismatch',
          `This bot token belongs to application ${application.id}, not ${input.applicationId}: copy the application id and the token from the same application in the Discord Developer Portal`,
        );
      if (application.verify_key.toLowerCase() !== input.publicKey.toLowerCase())
        throw invalid(
          'publicKey',
          'public_key_mismatch',
          `The public key does not match application ${application.id}: copy it from General Information in the Discord Developer Portal`,
        );
      return { botUserId: user.id, botUsername: user.username };
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof DiscordAPIError && error.status === 401)
        throw invalid(
          'token',
          'bot_token_rejected',
          'Discord rejected this bot token: reset it under Bot in the Discord Developer Portal and paste the new one',
        );
      throw new ApiError(
        HttpStatus.BAD_GATEWAY,
        'discord_unavailable',
        'Could not check the bot token with Discord right now; try again shortly',
      );
    } finally {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    }
  }
}

function invalid(field: string, code: string, message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, code, message, [{ field, message }]);
}
