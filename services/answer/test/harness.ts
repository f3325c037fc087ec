import { randomUUID } from 'node:crypto';
import { Bus, type ConsumerHandle } from '@steward/bus';
import {
  AnswerOrigin,
  AnswerRequestedSchema,
  ConversationTurnSchema,
  decode,
  DiscordCommandSchema,
  encode,
  MeteringRpc,
  Rpc,
  Streams,
  Subjects,
  type AnswerRequested,
  type ConversationTurn,
  type DiscordCommand,
  type MeteringReply,
  type PlanId,
  type RpcReply,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, waitFor, type TestDatabase } from '@steward/testing';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { MeteringConfig } from '../../metering/src/config.js';
import { meteringService } from '../../metering/src/service.js';
import type { AnswerConfig } from '../src/config.js';
import { answerService } from '../src/service.js';

export const APPLICATION_ID = '900000000000000001';
export const GUILD_ID = '910000000000000001';
export const CHANNEL_ID = '920000000000000001';
export const AUTHOR_ID = '930000000000000001';

export interface CapturedCommand {
  subject: string;
  command: DiscordCommand;
}

/**
 * The answer service and the metering service it reserves every answer with, started
 * in-process against the shared NATS and a fresh database, with a test client that plays
 * egress (it consumes `discord.cmd.>`) and collects ConversationTurn facts.
 */
export class AnswerHarness {
  readonly commands: CapturedCommand[] = [];
  readonly turns: ConversationTurn[] = [];
  private consumers: ConsumerHandle[] = [];

  private constructor(
    readonly service: RunningService<AnswerConfig>,
    public metering: RunningService<MeteringConfig> | undefined,
    readonly client: Bus,
    /** The service's database, for what a test checks that no RPC shows. */
    readonly database: TestDatabase,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<AnswerHarness> {
    await resetJetStream();
    const database = await createTestDatabase();
    const metering = await startMetering(database.url);
    const service = await startAnswerService(database.url, env);
    const client = await Bus.connect({ servers: process.env.NATS_URL!, name: 'answer-test-client' });
    const harness = new AnswerHarness(service, metering, client, database);
    harness.consumers.push(
      await client.consume(
        { stream: Streams.discordCommands.name, durable: 'test-egress', filterSubjects: ['discord.cmd.>'] },
        async (message) => {
          harness.commands.push({
            subject: message.subject,
            command: decode(DiscordCommandSchema, message.data),
          });
        },
      ),
      await client.consume(
        { stream: Streams.facts.name, durable: 'test-turns', filterSubjects: [Subjects.conversationTurn] },
        async (message) => {
          harness.turns.push(decode(ConversationTurnSchema, message.data));
        },
      ),
    );
    return harness;
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    await this.client.drain();
    await this.service.stop();
    await this.metering?.stop();
    await this.database.drop();
  }

  /** Gives the tenant a plan in metering (answers are refused without one). */
  async subscribe(tenantId: string, plan: PlanId): Promise<void> {
    await this.client.requestJson(
      MeteringRpc.subscriptionSet.subject,
      { tenantId, plan },
      { timeoutMs: 5_000 },
    );
  }

  async usage(tenantId: string): Promise<MeteringReply<'usage'>> {
    return this.client.requestJson<MeteringReply<'usage'>>(MeteringRpc.usage.subject, { tenantId });
  }

  /** Stops metering: questions then wait for it, unanswered. */
  async stopMetering(): Promise<void> {
    await this.metering?.stop();
    this.metering = undefined;
  }

  /** Starts metering again on the same ledger. */
  async restartMetering(): Promise<void> {
    this.metering ??= await startMetering(this.database.url);
  }

  /** Adds a document by RPC and waits until it is indexed. */
  async addDocument(tenantId: string, title: string, content: string): Promise<string> {
    const added = await this.client.requestJson<RpcReply<'knowledgeAdd'>>(Rpc.knowledgeAdd.subject, {
      tenantId,
      title,
      content,
    });
    await waitFor(
      async () =>
        (
          await this.client.requestJson<RpcReply<'knowledgeGet'>>(Rpc.knowledgeGet.subject, {
            tenantId,
            id: added.id,
          })
        ).status === 'indexed',
      { timeoutMs: 5_000, message: `document "${title}" indexed` },
    );
    return added.id;
  }

  /** Publishes an AnswerRequested (a mention by default) and returns it. */
  async ask(
    tenantId: string,
    question: string,
    overrides: AskOverrides = {},
    msgId?: string,
  ): Promise<AnswerRequested> {
    const requestId = overrides.requestId ?? randomUUID();
    const init: MessageInitShape<typeof AnswerRequestedSchema> = {
      requestId,
      tenantId,
      applicationId: APPLICATION_ID,
      guildId: GUILD_ID,
      channelId: CHANNEL_ID,
      messageId: String(BigInt('940000000000000000') + BigInt(this.turns.length + this.commands.length + 1)),
      authorId: AUTHOR_ID,
      authorName: 'member',
      question,
      origin: AnswerOrigin.MENTION,
      conversationId: `${GUILD_ID}:${CHANNEL_ID}:${AUTHOR_ID}`,
      receivedAtMs: BigInt(Date.now()),
      ...overrides,
    };
    const request = encode(AnswerRequestedSchema, init);
    await this.client.publish(Subjects.answerRequested, request, {
      msgId: msgId ?? `answer-requested:${requestId}`,
    });
    return decode(AnswerRequestedSchema, request);
  }

  /** Waits for the request's ConversationTurn fact. */
  turnFor(requestId: string, timeoutMs = 5_000): Promise<ConversationTurn> {
    return waitFor(() => this.turns.find((turn) => turn.turnId === requestId), {
      timeoutMs,
      message: `the conversation turn of ${requestId}`,
    });
  }

  /** The commands published for a request, in the order egress received them. */
  commandsFor(requestId: string): CapturedCommand[] {
    return this.commands.filter(({ command }) => command.commandId.includes(requestId));
  }

  /** The reply commands of a request once its turn has been published. */
  async replyFor(requestId: string): Promise<CapturedCommand[]> {
    await this.turnFor(requestId);
    return waitFor(() => {
      const replies = this.commandsFor(requestId).filter(({ command }) =>
        command.commandId.startsWith('reply:'),
      );
      return replies.length > 0 ? replies : undefined;
    });
  }
}

/** The answer service in this process on a test database, with any settings of the test's own. */
export function startAnswerService(
  databaseUrl: string,
  settings: Record<string, string> = {},
): Promise<RunningService<AnswerConfig>> {
  return startService(answerService, {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: databaseUrl,
    STEWARD_LOCAL: '1',
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
    ...settings,
  });
}

function startMetering(databaseUrl: string): Promise<RunningService<MeteringConfig>> {
  return startService(meteringService, {
    NATS_URL: process.env.NATS_URL,
    DATABASE_URL: databaseUrl,
    STEWARD_MIGRATE_ON_START: '1',
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
  });
}

export type AskOverrides = Partial<
  Pick<
    AnswerRequested,
    | 'requestId'
    | 'messageId'
    | 'locale'
    | 'conversationId'
    | 'replyInThread'
    | 'origin'
    | 'interaction'
    | 'guildId'
    | 'applicationId'
    | 'channelId'
    | 'triage'
    | 'answerWithinMs'
  >
>;

/** The text a command would post. */
/** The Discord messages a reply command posts, in order: its content, then its continuations. */
export function messagesOf(command: DiscordCommand): string[] {
  const message =
    command.action.case === 'sendMessage'
      ? command.action.value
      : command.action.case === 'startThread'
        ? command.action.value.firstMessage
        : undefined;
  return message ? [message.content, ...message.continuations] : [contentOf(command)];
}

export function contentOf(command: DiscordCommand): string {
  switch (command.action.case) {
    case 'sendMessage':
      return command.action.value.content;
    case 'editOriginalResponse':
      return command.action.value.content;
    case 'startThread':
      return command.action.value.firstMessage?.content ?? '';
    default:
      return '';
  }
}
