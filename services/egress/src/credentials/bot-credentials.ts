import type { BotApplications } from '@steward/secrets';
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

/** The platform bot configured by environment (DISCORD_APPLICATION_ID + DISCORD_BOT_TOKEN). */
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

/**
 * The platform bot, then the tenants' own bots from KV `config-apps` (their tokens opened with
 * STEWARD_MASTER_KEY, kept current by a watcher): a token saved or removed in the dashboard
 * takes effect with the next command.
 */
export class TenantBotCredentials implements BotCredentials {
  constructor(
    private readonly platform: BotCredentials,
    private readonly tenantBots: Pick<BotApplications, 'get'>,
  ) {}

  async tokenFor(applicationId: string): Promise<string | undefined> {
    return (await this.platform.tokenFor(applicationId)) ?? this.tenantBots.get(applicationId)?.token;
  }
}
