import { create, toBinary } from '@bufbuild/protobuf';
import { Inject, Injectable } from '@nestjs/common';
import { Bus, PermanentError, type BusMessage } from '@steward/bus';
import {
  COMMAND_VERBS,
  DiscordCommandResultSchema,
  Subjects,
  type CommandVerb,
  type DiscordCommand,
  type DiscordCommandResult,
} from '@steward/contracts';
import { LOGGER } from '@steward/runtime';
import { withSpan, type Logger } from '@steward/telemetry';
import type { Span } from '@opentelemetry/api';
import { DiscordRestClients } from '../discord/rest-clients.js';
import { commandsTotal, restDuration } from '../metrics.js';
import { COMMAND_CONSUMER } from './command-consumer.js';
import { CommandOutcomes } from './command-outcomes.js';
import { validateCommand } from './command-validation.js';
import { INTERACTION_VERB_CASES, performCommand, type PerformedCommand } from './discord-actions.js';
import { describeFailure } from './discord-failures.js';

/** What the processor needs of the delivery that brought a command. */
export type CommandDelivery = Pick<BusMessage, 'subject' | 'deliveryCount' | 'working' | 'stopping'>;

/** A claim lasts as long as JetStream waits before redelivering; the heartbeat below holds both. */
const LEASE_MS = COMMAND_CONSUMER.ackWaitMs;
const HEARTBEAT_MS = COMMAND_CONSUMER.ackWaitMs / 3;

type Outcome = Pick<DiscordCommandResult, 'ok' | 'messageId' | 'httpStatus' | 'discordCode' | 'error' | 'transient'>;

/**
 * Performs each Discord command once per command id and reports how it ended on
 * `steward.egress.result`: claims the id in KV, calls Discord, records and publishes the result.
 * A failure Discord will repeat (permissions, unknown ids, bad requests) ends the command; one
 * that may pass later (5xx, timeouts) is thrown, and the bus delivers the command again.
 */
@Injectable()
export class CommandProcessor {
  constructor(
    private readonly clients: DiscordRestClients,
    private readonly outcomes: CommandOutcomes,
    private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  handle(command: DiscordCommand, delivery: CommandDelivery): Promise<void> {
    const verb = command.action.case ? COMMAND_VERBS[command.action.case] : undefined;
    return withSpan(`egress ${verb ?? 'invalid'}`, (span) => this.process(command, verb, delivery, span), {
      attributes: {
        'steward.command.id': command.commandId,
        'steward.command.verb': verb ?? '',
        'discord.application_id': command.applicationId,
        'discord.guild_id': command.guildId,
        'messaging.message.delivery_count': delivery.deliveryCount,
      },
    });
  }

  private async process(
    command: DiscordCommand,
    verb: CommandVerb | undefined,
    delivery: CommandDelivery,
    span: Span,
  ): Promise<void> {
    const { commandId, applicationId } = command;
    const log = this.logger.child({ commandId, verb, applicationId, guildId: command.guildId || undefined });
    if (!commandId) throw new PermanentError(`a Discord command on ${delivery.subject} has no command_id`);

    const problems = validateCommand(command, delivery.subject);
    if (!verb || problems.length > 0) {
      const reason = `invalid command: ${problems.join('; ')}`;
      await this.publish(this.result(command, verb, delivery, failure(0, 0, reason)));
      commandsTotal.inc({ verb: verb ?? 'none', outcome: 'invalid' });
      throw new PermanentError(reason);
    }

    const needsBot = !INTERACTION_VERB_CASES.has(command.action.case);
    const bot = needsBot ? await this.clients.forBot(applicationId) : undefined;
    if (needsBot && !bot) {
      const reason =
        `no bot token for application ${applicationId}: egress holds the token of the platform bot ` +
        '(DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN) only';
      await this.publish(this.result(command, verb, delivery, failure(0, 0, reason)));
      commandsTotal.inc({ verb, outcome: 'invalid' });
      throw new PermanentError(reason);
    }

    const claim = await this.outcomes.claim(commandId, delivery.deliveryCount, LEASE_MS);
    if (claim.kind === 'done') {
      // Performed before (a redelivery, or the same command published twice): say so again, never act twice.
      await this.publish(claim.result);
      commandsTotal.inc({ verb, outcome: 'duplicate' });
      span.setAttribute('steward.command.outcome', 'duplicate');
      log.info('command already performed; result republished');
      return;
    }
    if (claim.kind === 'busy') {
      commandsTotal.inc({ verb, outcome: 'retry' });
      throw new Error(`command ${commandId} is being performed by another delivery; checking again later`);
    }

    // A command can wait long for its rate limit: JetStream and the claim both hear it is alive.
    let claimRevision = claim.revision;
    const heartbeat = setInterval(() => {
      delivery.working();
      this.outcomes.renew(commandId, delivery.deliveryCount, LEASE_MS, claimRevision).then(
        (revision) => (claimRevision = revision),
        (error: unknown) => log.warn({ err: error }, 'could not renew the command claim'),
      );
    }, HEARTBEAT_MS);
    const lastAttempt = delivery.deliveryCount >= COMMAND_CONSUMER.maxDeliver;
    const stopTimer = restDuration.startTimer({ verb });
    let outcome: Outcome;
    let departure: string | undefined;
    try {
      const performed: PerformedCommand = await performCommand(
        command,
        { bot, interactions: this.clients.forInteractions() },
        claim.previouslyAttempted,
        // On shutdown a command still waiting for its rate limit goes back to the stream for
        // another replica, instead of holding the shutdown up; the last delivery waits it out.
        lastAttempt ? undefined : delivery.stopping,
      );
      outcome = {
        ok: true,
        messageId: performed.messageId ?? '',
        httpStatus: performed.httpStatus,
        discordCode: 0,
        error: '',
        transient: false,
      };
      departure = performed.departure;
    } catch (error) {
      const described = describeFailure(error, verb);
      if (described.httpStatus === 401 && bot) this.clients.forget(applicationId);
      if (described.retryable && !lastAttempt) {
        await this.outcomes.release(commandId, delivery.deliveryCount).catch((releaseError: unknown) => {
          log.warn(
            { err: releaseError },
            'could not release the command claim; the next delivery waits for the lease',
          );
        });
        commandsTotal.inc({ verb, outcome: 'retry' });
        span.setAttribute('steward.command.outcome', 'retry');
        throw new Error(described.reason, { cause: error });
      }
      const reason = described.retryable
        ? `gave up after ${delivery.deliveryCount} deliveries: ${described.reason}`
        : described.reason;
      outcome = failure(described.httpStatus, described.discordCode, reason, described.retryable);
    } finally {
      stopTimer();
      clearInterval(heartbeat);
    }

    const result = this.result(command, verb, delivery, outcome);
    await this.outcomes.complete(result);
    await this.publish(result);
    const label = outcome.ok ? 'ok' : 'failed';
    commandsTotal.inc({ verb, outcome: label });
    span.setAttributes({ 'steward.command.outcome': label, 'http.response.status_code': outcome.httpStatus });
    if (!outcome.ok) {
      log.warn(
        { httpStatus: outcome.httpStatus, discordCode: outcome.discordCode, reason: outcome.error },
        'Discord refused the command',
      );
    } else if (departure) {
      log.warn({ messageId: outcome.messageId || undefined }, `command performed, ${departure}`);
    } else {
      log.debug({ messageId: outcome.messageId || undefined }, 'command performed');
    }
  }

  private result(
    command: DiscordCommand,
    verb: CommandVerb | undefined,
    delivery: CommandDelivery,
    outcome: Outcome,
  ): DiscordCommandResult {
    return create(DiscordCommandResultSchema, {
      commandId: command.commandId,
      applicationId: command.applicationId,
      tenantId: command.tenantId,
      guildId: command.guildId,
      verb: verb ?? '',
      attempts: delivery.deliveryCount,
      atMs: BigInt(Date.now()),
      ...outcome,
    });
  }

  private async publish(result: DiscordCommandResult): Promise<void> {
    await this.bus.publish(Subjects.egressResult, toBinary(DiscordCommandResultSchema, result), {
      msgId: `result:${result.commandId}`,
    });
  }
}

/** `transient`: a refusal that may pass (5xx, 429, no answer), given up only for want of attempts. */
function failure(httpStatus: number, discordCode: number, reason: string, transient = false): Outcome {
  return { ok: false, messageId: '', httpStatus, discordCode, error: reason, transient };
}
