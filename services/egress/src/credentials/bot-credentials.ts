import type { EgressConfig } from '../config.js';

/**
 * Where egress gets the bot token of the application a command is for. Tokens never leave
 * this interface except into the Authorization header of a Discord request.
 */
export interface BotCredentials {
  /** The bot token of the application, or undefined when Steward holds none for it. */
  tokenFor(applicationId: string): Promise<string | undefined>;
}

export const BOT_CREDENTIALS = Symbol('egress:bot-credentials');

/**
 * The platform bot configured by environment (DISCORD_APPLICATION_ID + DISCORD_BOT_TOKEN).
 *
 * Tenants who bring their own bot will be served by a second implementation that reads the
 * application's encrypted token from KV `config-apps` (decrypted with STEWARD_MASTER_KEY) and
 * falls back to this one; egress already asks per application id, so nothing else changes.
 */
export class PlatformBotCredentials implements BotCredentials {
  constructor(private readonly platform: { applicationId?: string; token?: string }) {}

  static fromConfig(
    config: Pick<EgressConfig, 'DISCORD_APPLICATION_ID' | 'DISCORD_BOT_TOKEN'>,
  ): PlatformBotCredentials {
    return new PlatformBotCredentials({
      applicationId: config.DISCORD_APPLICATION_ID,
      token: config.DISCORD_BOT_TOKEN,
    });
  }

  async tokenFor(applicationId: string): Promise<string | undefined> {
    return applicationId === this.platform.applicationId ? this.platform.token : undefined;
  }
}
