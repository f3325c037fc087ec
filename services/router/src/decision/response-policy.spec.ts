import { DEFAULT_GUILD_SETTINGS } from '@steward/contracts';
import { MessageType } from 'discord-api-types/v10';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';
import { decideResponse, stripBotMentions, type BotIdentity, type DecisionInput } from './response-policy.js';

const BOT: BotIdentity = { userId: '900000000000000001', managedRoleIds: ['800000000000000001'] };
const MEMBER = { id: '100000000000000001', username: 'ana', global_name: 'Ana' };
const CHANNEL = '300000000000000001';

function message(overrides: Partial<DiscordMessage> = {}): DiscordMessage {
  return {
    id: '500000000000000001',
    channel_id: CHANNEL,
    guild_id: '200000000000000001',
    type: MessageType.Default,
    content: 'how do I reset my password?',
    timestamp: '2025-01-01T10:00:00.000Z',
    author: MEMBER,
    mentions: [],
    mention_roles: [],
    ...overrides,
  };
}

function decide(overrides: Partial<DiscordMessage>, input: Partial<DecisionInput> = {}) {
  return decideResponse({
    message: message(overrides),
    bot: BOT,
    settings: DEFAULT_GUILD_SETTINGS,
    ...input,
  });
}

describe('response policy (mention mode)', () => {
  it('answers when the bot user is mentioned, without the mention in the question', () => {
    expect(
      decide({ content: `<@${BOT.userId}> how do I reset my password?`, mentions: [{ id: BOT.userId }] }),
    ).toEqual({
      outcome: 'answer',
      trigger: 'mention',
      via: 'user_mention',
      question: 'how do I reset my password?',
    });
  });

  it('answers a nickname mention <@!id> and strips it wherever it stands', () => {
    expect(
      decide({ content: `<@!${BOT.userId}>, where is my order?`, mentions: [{ id: BOT.userId }] }),
    ).toMatchObject({
      outcome: 'answer',
      question: 'where is my order?',
    });
    expect(
      decide({ content: `thanks <@!${BOT.userId}> - and refunds?`, mentions: [{ id: BOT.userId }] }),
    ).toMatchObject({
      question: 'thanks - and refunds?',
    });
  });

  it("answers when the bot's managed role is mentioned", () => {
    expect(
      decide({ content: `<@&${BOT.managedRoleIds[0]}> refunds?`, mention_roles: [BOT.managedRoleIds[0]!] }),
    ).toMatchObject({ outcome: 'answer', via: 'role_mention', question: 'refunds?' });
  });

  it('does not answer a mention of some other role', () => {
    expect(
      decide({ content: '<@&800000000000000002> refunds?', mention_roles: ['800000000000000002'] }),
    ).toEqual({
      outcome: 'skip',
      reason: 'not_mentioned',
    });
  });

  it("answers a reply to the bot's message", () => {
    expect(
      decide({
        type: MessageType.Reply,
        content: 'and if I no longer have that email?',
        referenced_message: { author: { id: BOT.userId } },
      }),
    ).toMatchObject({ outcome: 'answer', via: 'reply', question: 'and if I no longer have that email?' });
  });

  it("ignores a reply to another member's message", () => {
    expect(
      decide({
        type: MessageType.Reply,
        content: 'same here',
        referenced_message: { author: { id: MEMBER.id } },
      }),
    ).toEqual({ outcome: 'skip', reason: 'not_mentioned' });
  });

  it('ignores a message without a mention, and @everyone is not a mention of the bot', () => {
    expect(decide({})).toEqual({ outcome: 'skip', reason: 'not_mentioned' });
    expect(decide({ content: '@everyone hello' })).toEqual({ outcome: 'skip', reason: 'not_mentioned' });
  });

  it('ignores other bots even when they mention the bot', () => {
    expect(
      decide({ author: { ...MEMBER, id: '100000000000000099', bot: true }, mentions: [{ id: BOT.userId }] }),
    ).toEqual({ outcome: 'skip', reason: 'bot_author' });
  });

  it('ignores webhook messages', () => {
    expect(decide({ webhook_id: '700000000000000001', mentions: [{ id: BOT.userId }] })).toEqual({
      outcome: 'skip',
      reason: 'webhook',
    });
  });

  it('ignores its own messages', () => {
    expect(
      decide({ author: { ...MEMBER, id: BOT.userId, bot: true }, mentions: [{ id: BOT.userId }] }),
    ).toEqual({ outcome: 'skip', reason: 'own_message' });
  });

  it('ignores system messages such as pins and joins', () => {
    expect(decide({ type: MessageType.ChannelPinnedMessage, mentions: [{ id: BOT.userId }] })).toEqual({
      outcome: 'skip',
      reason: 'system_message',
    });
  });

  it('does not ask an empty question when the message is only the mention', () => {
    expect(decide({ content: `  <@${BOT.userId}>  `, mentions: [{ id: BOT.userId }] })).toEqual({
      outcome: 'skip',
      reason: 'empty_question',
    });
  });
});

describe('response policy (modes)', () => {
  const mentioned = { content: `<@${BOT.userId}> hi?`, mentions: [{ id: BOT.userId }] };

  it('stays silent in a channel switched off, even when mentioned', () => {
    const settings = { ...DEFAULT_GUILD_SETTINGS, channelOverrides: { [CHANNEL]: 'off' as const } };
    expect(decide(mentioned, { settings })).toEqual({ outcome: 'skip', reason: 'channel_off' });
  });

  it('leaves /ask-only guilds to the slash command', () => {
    const settings = { ...DEFAULT_GUILD_SETTINGS, responseMode: 'ask' as const };
    expect(decide(mentioned, { settings })).toEqual({ outcome: 'skip', reason: 'ask_only' });
  });

  it('lets a channel override in mention mode beat an /ask-only guild', () => {
    const settings = {
      ...DEFAULT_GUILD_SETTINGS,
      responseMode: 'ask' as const,
      channelOverrides: { [CHANNEL]: 'mention' as const },
    };
    expect(decide(mentioned, { settings })).toMatchObject({ outcome: 'answer', question: 'hi?' });
  });
});

describe('stripBotMentions', () => {
  it("keeps other members' mentions and line breaks", () => {
    expect(stripBotMentions(`<@${BOT.userId}> ask <@100000000000000001>\n  about   refunds`, BOT)).toBe(
      'ask <@100000000000000001>\nabout refunds',
    );
  });
});
