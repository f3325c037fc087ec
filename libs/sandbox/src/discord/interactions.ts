import { randomBytes, sign } from 'node:crypto';
import {
  ApplicationCommandOptionType,
  ComponentType,
  InteractionResponseType,
  InteractionType,
  MessageFlags,
  MessageType,
} from 'discord-api-types/v10';
import type { GuildActions } from './actions.js';
import { DiscordApiError, unknownInteraction, unknownMessage } from './errors.js';
import type { GatewayServer } from './gateway.js';
import type {
  SandboxApplication,
  SandboxChannel,
  SandboxGuild,
  SandboxMember,
  SandboxMessage,
  SandboxState,
} from './model.js';
import { channelPermissions } from './permissions.js';
import { SandboxInputError } from './errors.js';
import { apiChannel, apiMember, apiMessage } from './shapes.js';

/** Interaction tokens are valid for 15 minutes, as on Discord. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Discord gives an interactions endpoint 3 seconds to answer. */
const ENDPOINT_TIMEOUT_MS = 3_000;

export type CommandOptionValue = string | number | boolean;

/** Who acts where: the fields every interaction a member triggers starts from. */
interface InteractionOrigin {
  applicationId: string;
  guildId: string;
  channelId: string;
  userId: string;
}

export interface SendInteractionInput extends InteractionOrigin {
  commandName: string;
  /** Option values by name; the option type follows the JS type (string, integer, number, boolean). */
  options?: Record<string, CommandOptionValue>;
}

export interface PressButtonInput extends InteractionOrigin {
  /** The message carrying the button; it must have been sent by the application's bot. */
  messageId: string;
  customId: string;
}

export interface InteractionDelivery {
  interactionId: string;
  token: string;
  /** `http` when POSTed to the application's interactions endpoint, `gateway` when dispatched. */
  via: 'http' | 'gateway';
  /** The endpoint's answer (http only); `status` 0 when it could not be reached in time. */
  status?: number;
  body?: unknown;
  error?: string;
}

type InteractionKind = InteractionType.ApplicationCommand | InteractionType.MessageComponent;

interface InteractionRecord {
  id: string;
  token: string;
  type: InteractionKind;
  application: SandboxApplication;
  guildId: string;
  channelId: string;
  userId: string;
  /** The command's name, or the pressed button's custom_id. */
  name: string;
  /** The message whose button was pressed (component interactions only). */
  componentMessageId: string | null;
  createdAt: number;
  acknowledged: boolean;
  originalMessageId: string | null;
}

/** Signs a body the way Discord signs interaction deliveries: Ed25519 over timestamp + body, hex encoded. */
export function signInteraction(application: SandboxApplication, timestamp: string, body: string): string {
  return sign(null, Buffer.from(timestamp + body), application.privateKey).toString('hex');
}

/** Command and button interactions: delivery (signed HTTP POST or gateway) and the callback/webhook side. */
export class InteractionService {
  private readonly interactions = new Map<string, InteractionRecord>();

  constructor(
    private readonly state: SandboxState,
    private readonly gateway: GatewayServer,
    private readonly actions: GuildActions,
  ) {}

  async send(input: SendInteractionInput): Promise<InteractionDelivery> {
    const origin = this.resolveOrigin(input);
    if (typeof input.commandName !== 'string' || input.commandName === '')
      throw new SandboxInputError('commandName is required');
    const command = [...origin.application.commands.values()].find(
      (candidate) => candidate.name === input.commandName,
    );
    return this.deliver(
      origin,
      { type: InteractionType.ApplicationCommand, name: input.commandName, componentMessageId: null },
      () => ({
        data: {
          id: command?.id ?? this.state.ids.next(),
          name: input.commandName,
          type: 1,
          guild_id: origin.guild.id,
          options: Object.entries(input.options ?? {}).map(([name, value]) => ({
            name,
            type: optionType(value),
            value,
          })),
        },
      }),
    );
  }

  /** A member presses a button on a message the application's bot sent: a MESSAGE_COMPONENT interaction. */
  async pressButton(input: PressButtonInput): Promise<InteractionDelivery> {
    const origin = this.resolveOrigin(input);
    const message = this.state.messages.get(input.messageId);
    if (!message) throw new SandboxInputError(`message ${input.messageId} does not exist`);
    if (message.channelId !== origin.channel.id)
      throw new SandboxInputError(`message ${message.id} is not in channel ${origin.channel.id}`);
    if (message.authorId !== origin.application.botUserId)
      throw new SandboxInputError(
        `message ${message.id} was not sent by application ${origin.application.id}'s bot`,
      );
    // Only the member an ephemeral message was shown to can see, and so press, its buttons.
    if (
      (message.flags & MessageFlags.Ephemeral) !== 0 &&
      message.interaction?.userId !== origin.member.userId
    )
      throw new SandboxInputError(`message ${message.id} is ephemeral and not shown to ${input.userId}`);
    const button = findButton(message.components, input.customId);
    if (!button)
      throw new SandboxInputError(`message ${message.id} has no button with custom_id ${input.customId}`);
    if (button.disabled === true)
      throw new SandboxInputError(`button ${input.customId} on message ${message.id} is disabled`);
    return this.deliver(
      origin,
      { type: InteractionType.MessageComponent, name: input.customId, componentMessageId: message.id },
      () => ({
        data: { custom_id: input.customId, component_type: ComponentType.Button },
        message: apiMessage(this.state, message),
      }),
    );
  }

  /** Discord's endpoint check: a signed PING that must be answered with `{ type: 1 }`. */
  async ping(applicationId: string): Promise<{ status: number; body?: unknown; error?: string }> {
    const application = this.state.requireApplication(applicationId);
    if (!application.interactionsEndpointUrl)
      throw new SandboxInputError(`application ${applicationId} has no interactions endpoint`);
    return this.post(application, application.interactionsEndpointUrl, {
      id: this.state.ids.next(),
      application_id: application.id,
      type: InteractionType.Ping,
      token: randomBytes(24).toString('base64url'),
      version: 1,
      user: { id: '0', username: 'discord', discriminator: '0', global_name: null, avatar: null },
    });
  }

  /** POST /interactions/:id/:token/callback */
  callback(
    interactionId: string,
    token: string,
    body: unknown,
  ): { type: number; message: SandboxMessage; record: InteractionRecord } {
    const record = this.find(interactionId, token);
    if (record.acknowledged)
      throw new DiscordApiError(400, 40060, 'Interaction has already been acknowledged.');
    if (!isInteractionResponse(body))
      throw new DiscordApiError(400, 50035, 'Invalid Form Body', {
        type: {
          _errors: [
            { code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.' },
          ],
        },
      });
    const data = (body.data ?? {}) as Record<string, unknown>;
    const component = record.type === InteractionType.MessageComponent;
    let message: SandboxMessage;
    if (body.type === InteractionResponseType.ChannelMessageWithSource) {
      message = this.createResponseMessage(record, data, 0);
    } else if (body.type === InteractionResponseType.DeferredChannelMessageWithSource) {
      // Discord shows "<bot> is thinking..." until the original response is edited.
      message = this.createResponseMessage(record, { ...data, content: '' }, MessageFlags.Loading);
    } else if (component && body.type === InteractionResponseType.DeferredMessageUpdate) {
      message = this.componentMessage(record);
    } else if (component && body.type === InteractionResponseType.UpdateMessage) {
      message = this.actions.editMessage(this.componentMessage(record).id, messageChanges(data));
    } else {
      throw new DiscordApiError(
        400,
        40043,
        `This interaction response type is not supported for ${component ? 'message components' : 'application commands'}`,
      );
    }
    record.acknowledged = true;
    record.originalMessageId = message.id;
    return { type: body.type, message, record };
  }

  /** PATCH /webhooks/:appId/:token/messages/:messageId (`@original` for the initial response). */
  editResponse(
    applicationId: string,
    token: string,
    messageId: string,
    data: Record<string, unknown>,
  ): SandboxMessage {
    const target = this.getResponse(applicationId, token, messageId);
    return this.actions.editMessage(target.id, {
      ...messageChanges(data),
      // Editing the deferred response replaces the "thinking" placeholder.
      flags: target.flags & ~MessageFlags.Loading,
    });
  }

  getResponse(applicationId: string, token: string, messageId: string): SandboxMessage {
    const record = this.findByToken(applicationId, token);
    const targetId = messageId === '@original' ? record.originalMessageId : messageId;
    const target = targetId ? this.state.messages.get(targetId) : undefined;
    // After an update response, `@original` is the bot's own message that carries the button.
    if (!target || (target.webhookId !== applicationId && target.id !== record.originalMessageId))
      throw unknownMessage();
    return target;
  }

  /** POST /webhooks/:appId/:token: a follow-up message. */
  followUp(applicationId: string, token: string, data: Record<string, unknown>): SandboxMessage {
    const record = this.findByToken(applicationId, token);
    if (!record.acknowledged) throw unknownWebhookMessage();
    return this.createResponseMessage(record, data, 0);
  }

  private createResponseMessage(
    record: InteractionRecord,
    data: Record<string, unknown>,
    flags: number,
  ): SandboxMessage {
    const content = this.actions.validateContent(data.content, false);
    const interacted = record.componentMessageId
      ? this.state.messages.get(record.componentMessageId)
      : undefined;
    return this.actions.createMessage({
      channelId: record.channelId,
      authorId: record.application.botUserId,
      content,
      embeds: data.embeds as unknown[] | undefined,
      components: data.components as unknown[] | undefined,
      flags: flags | (typeof data.flags === 'number' ? data.flags & MessageFlags.Ephemeral : 0),
      // Discord shows the answer to a pressed button as a reply to the message that carries it.
      type: record.componentMessageId ? MessageType.Reply : MessageType.ChatInputCommand,
      referencedMessageId: interacted?.id ?? null,
      webhookId: record.application.id,
      applicationId: record.application.id,
      interaction: {
        id: record.id,
        type: record.type,
        name: record.name,
        userId: record.userId,
        interactedMessageId: record.componentMessageId ?? undefined,
      },
    });
  }

  private componentMessage(record: InteractionRecord): SandboxMessage {
    const message = record.componentMessageId
      ? this.state.messages.get(record.componentMessageId)
      : undefined;
    if (!message) throw unknownMessage();
    return message;
  }

  /** Checks who acts where, as Discord would have before it let the member trigger anything. */
  private resolveOrigin(input: InteractionOrigin): ResolvedOrigin {
    const application = this.state.requireApplication(input.applicationId);
    const guild = this.state.requireGuild(input.guildId);
    const channel = this.state.requireChannel(input.channelId);
    if (channel.guildId !== guild.id)
      throw new SandboxInputError(`channel ${channel.id} is not in guild ${guild.id}`);
    const member = this.state.requireMember(guild.id, input.userId);
    const botMember = guild.members.get(application.botUserId);
    if (!botMember) throw new SandboxInputError(`application ${application.id} is not in guild ${guild.id}`);
    return { application, guild, channel, member, botMember };
  }

  /**
   * Opens an interaction and delivers it: a signed POST to the interactions endpoint, whose answer is applied as
   * the initial response, or INTERACTION_CREATE over the gateway. `fields` adds what is particular to the type.
   */
  private async deliver(
    origin: ResolvedOrigin,
    kind: Pick<InteractionRecord, 'type' | 'name' | 'componentMessageId'>,
    fields: () => Record<string, unknown>,
  ): Promise<InteractionDelivery> {
    const { application, guild, channel, member, botMember } = origin;
    const record: InteractionRecord = {
      ...kind,
      id: this.state.ids.next(),
      token: `aW50ZXJhY3Rpb24.${randomBytes(24).toString('base64url')}`,
      application,
      guildId: guild.id,
      channelId: channel.id,
      userId: member.userId,
      createdAt: Date.now(),
      acknowledged: false,
      originalMessageId: null,
    };
    this.interactions.set(record.id, record);
    const payload = {
      id: record.id,
      application_id: application.id,
      type: record.type,
      ...fields(),
      guild_id: guild.id,
      guild: { id: guild.id, locale: 'en-US', features: [] },
      channel_id: channel.id,
      channel: apiChannel(channel),
      member: {
        ...apiMember(this.state, member),
        permissions: channelPermissions(guild, member, channel).toString(),
      },
      token: record.token,
      version: 1,
      app_permissions: channelPermissions(guild, botMember, channel).toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: 10_485_760,
    };

    if (!application.interactionsEndpointUrl) {
      this.gateway.dispatchToApplication(application.id, guild.id, 'INTERACTION_CREATE', () => payload);
      return { interactionId: record.id, token: record.token, via: 'gateway' };
    }
    const delivery = await this.post(application, application.interactionsEndpointUrl, payload);
    // The endpoint's response body is the interaction's initial response.
    if (delivery.status === 200 && isInteractionResponse(delivery.body)) {
      try {
        this.callback(record.id, record.token, delivery.body);
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
    }
    return { interactionId: record.id, token: record.token, ...delivery, via: 'http' };
  }

  private find(interactionId: string, token: string): InteractionRecord {
    const record = this.interactions.get(interactionId);
    if (!record || record.token !== token || Date.now() - record.createdAt > TOKEN_LIFETIME_MS)
      throw unknownInteraction();
    return record;
  }

  private findByToken(applicationId: string, token: string): InteractionRecord {
    for (const record of this.interactions.values()) {
      if (record.token === token && record.application.id === applicationId) {
        if (Date.now() - record.createdAt > TOKEN_LIFETIME_MS) break;
        return record;
      }
    }
    throw new DiscordApiError(401, 50027, 'Invalid Webhook Token');
  }

  private async post(
    application: SandboxApplication,
    url: string,
    payload: unknown,
  ): Promise<{ status: number; body?: unknown; error?: string }> {
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000).toString();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Discord-Interactions/1.0 (+https://discord.com)',
          'X-Signature-Ed25519': signInteraction(application, timestamp, body),
          'X-Signature-Timestamp': timestamp,
        },
        body,
        signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON: hand back the text as it came.
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      return { status: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

interface ResolvedOrigin {
  application: SandboxApplication;
  guild: SandboxGuild;
  channel: SandboxChannel;
  member: SandboxMember;
  botMember: SandboxMember;
}

/** The message fields an interaction response or webhook edit may change; absent ones stay as they are. */
function messageChanges(data: Record<string, unknown>) {
  return {
    content: data.content as string | undefined,
    embeds: data.embeds as unknown[] | undefined,
    components: data.components as unknown[] | undefined,
    allowedMentions: data.allowed_mentions as never,
  };
}

/** A button with this custom_id anywhere in a message's components (action rows, or a v2 section's accessory). */
function findButton(components: unknown[], customId: string): Record<string, unknown> | undefined {
  for (const candidate of components) {
    if (typeof candidate !== 'object' || candidate === null) continue;
    const component = candidate as Record<string, unknown>;
    if (component.type === ComponentType.Button && component.custom_id === customId) return component;
    const nested = [
      ...(Array.isArray(component.components) ? component.components : []),
      ...(component.accessory ? [component.accessory] : []),
    ];
    const found = findButton(nested, customId);
    if (found) return found;
  }
  return undefined;
}

function unknownWebhookMessage(): DiscordApiError {
  return new DiscordApiError(400, 40060, 'Interaction has not been acknowledged.');
}

function isInteractionResponse(value: unknown): value is { type: number; data?: unknown } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'number'
  );
}

function optionType(value: CommandOptionValue): number {
  if (typeof value === 'boolean') return ApplicationCommandOptionType.Boolean;
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? ApplicationCommandOptionType.Integer
      : ApplicationCommandOptionType.Number;
  return ApplicationCommandOptionType.String;
}
