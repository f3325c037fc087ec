import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { REST } from '@discordjs/rest';
import { ApplicationCommandOptionType, Routes, type RESTPutAPIApplicationCommandsJSONBody } from 'discord-api-types/v10';
import { CONFIG, LOGGER } from '@steward/runtime';
import type { BotApplication } from '@steward/secrets';
import type { Logger } from '@steward/telemetry';
import type { InteractionsConfig } from '../config.js';
import { ASK_COMMAND } from './interaction-handler.js';

/** The global commands of a Steward bot, with descriptions in the languages Steward speaks. */
export const COMMANDS: RESTPutAPIApplicationCommandsJSONBody = [
  {
    name: ASK_COMMAND,
    description: 'Ask a question about this community',
    description_localizations: {
      ru: 'Задайте вопрос об этом сообществе',
      de: 'Stell eine Frage zu dieser Community',
      fr: 'Posez une question sur cette communauté',
      id: 'Ajukan pertanyaan tentang komunitas ini',
      tr: 'Bu topluluk hakkında bir soru sorun',
    },
    options: [
      {
        type: ApplicationCommandOptionType.String,
        name: 'question',
        description: 'Your question',
        description_localizations: { ru: 'Ваш вопрос', de: 'Deine Frage', fr: 'Votre question', id: 'Pertanyaan Anda', tr: 'Sorunuz' },
        required: true,
        max_length: 1000,
      },
    ],
  },
];

/**
 * Registers /ask for the platform application at start. A bulk overwrite is idempotent, so
 * every replica may do it; a failure is logged clearly and does not stop the endpoint.
 */
@Injectable()
export class CommandRegistration implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: InteractionsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { DISCORD_BOT_TOKEN: token, DISCORD_APPLICATION_ID: applicationId } = this.config;
    if (this.config.INTERACTIONS_REGISTER_COMMANDS !== '1' || !token || !applicationId) return;
    await registerCommands(new REST({ api: this.config.DISCORD_API_URL, version: '10' }).setToken(token), applicationId).then(
      () => this.logger.info({ applicationId }, 'registered the /ask command'),
      (error: Error) => this.logger.error({ applicationId, err: error.message }, 'could not register the /ask command'),
    );
  }
}

/**
 * Registers /ask for each tenant bot the first time this replica sees it in KV `config-apps`
 * (at start, or when a tenant saves its bot in the dashboard), and again when its token changes.
 */
@Injectable()
export class TenantCommandRegistration {
  private readonly registered = new Map<string, string>();

  constructor(
    @Inject(CONFIG) private readonly config: InteractionsConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The listener for BotApplications; failures are logged, never thrown. */
  applicationChanged(applicationId: string, application: BotApplication | undefined): void {
    if (!application) {
      this.registered.delete(applicationId);
      return;
    }
    if (this.config.INTERACTIONS_REGISTER_COMMANDS !== '1' || this.registered.get(applicationId) === application.token) return;
    this.registered.set(applicationId, application.token);
    const rest = new REST({ api: this.config.DISCORD_API_URL, version: '10' }).setToken(application.token);
    void registerCommands(rest, applicationId).then(
      () => this.logger.info({ applicationId, tenantId: application.tenantId }, 'registered the /ask command for a tenant bot'),
      (error: Error) => {
        // Forget it, so the next change (or restart) tries again.
        this.registered.delete(applicationId);
        this.logger.error({ applicationId, err: error.message }, 'could not register the /ask command for a tenant bot');
      },
    );
  }
}

export function registerCommands(rest: REST, applicationId: string) {
  return rest.put(Routes.applicationCommands(applicationId), { body: COMMANDS });
}
