import { DEFAULT_GUILD_SETTINGS } from '@steward/contracts';
import { MessageType } from 'discord-api-types/v10';
import type { DiscordMessage } from '../dispatch/discord-payloads.js';
import {
  decideResponse,
  stripBotMentions,
  type BotIdentity,
  type DecisionInput,
  type PolicySettings,
} from './response-policy.js';
import type { RecentMessage } from './staff-step-back.js';

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
      triage: false,
      cooldown: false,
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

  it('sends a mention without a question (the mention alone, a greeting, thanks) on with an empty question, to be invited to ask', () => {
    for (const content of [`  <@${BOT.userId}>  `, `<@${BOT.userId}> hi!`, `thanks <@${BOT.userId}> 🙏`]) {
      expect(decide({ content, mentions: [{ id: BOT.userId }] })).toMatchObject({
        outcome: 'answer',
        via: 'user_mention',
        question: '',
      });
    }
  });

  it('leaves a reply to the bot that only thanks or reacts, or carries no text', () => {
    const replyToBot = (content: string) =>
      decide({
        type: MessageType.Reply,
        content,
        referenced_message: { author: { id: BOT.userId } },
      });
    expect(replyToBot('thanks a lot!')).toEqual({ outcome: 'skip', reason: 'chatter' });
    expect(replyToBot('👍')).toEqual({ outcome: 'skip', reason: 'chatter' });
    expect(replyToBot('   ')).toEqual({ outcome: 'skip', reason: 'empty_question' });
    expect(replyToBot('thanks, and where do I find the invoice?')).toMatchObject({
      outcome: 'answer',
      question: 'thanks, and where do I find the invoice?',
    });
  });
});

describe('response policy (modes)', () => {
  const mentioned = { content: `<@${BOT.userId}> refunds?`, mentions: [{ id: BOT.userId }] };

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
    expect(decide(mentioned, { settings })).toMatchObject({ outcome: 'answer', question: 'refunds?' });
  });
});

const OTHER_MEMBER = '100000000000000002';
const STAFF_MEMBER = '100000000000000003';
const STAFF_ROLE = '800000000000000009';
const NOW = '2025-01-01T10:00:00.000Z';

function allMode(overrides: Partial<PolicySettings> = {}): PolicySettings {
  return { ...DEFAULT_GUILD_SETTINGS, responseMode: 'all', staffRoleIds: [STAFF_ROLE], ...overrides };
}

/** A message said in the channel `minutesAgo` before NOW. */
function recent(overrides: Partial<RecentMessage> & { minutesAgo: number }): RecentMessage {
  const { minutesAgo, ...rest } = overrides;
  return {
    messageId: '400000000000000001',
    authorId: STAFF_MEMBER,
    authorName: 'Sam (staff)',
    authorIsBot: false,
    authorRoleIds: [STAFF_ROLE],
    content: 'let me look at your order',
    replyToAuthorId: null,
    mentionedUserIds: [],
    sentAtMs: Date.parse(NOW) - minutesAgo * 60_000,
    ...rest,
  };
}

describe('response policy (all-messages mode, smart mode on)', () => {
  it('passes a real question to triage, with the message as the question', () => {
    expect(decide({ content: 'how do I reset my password?' }, { settings: allMode() })).toEqual({
      outcome: 'answer',
      trigger: 'all_messages',
      via: 'channel_message',
      question: 'how do I reset my password?',
      triage: true,
      cooldown: false,
    });
  });

  it.each([
    'hi everyone',
    'thanks!!',
    'lol',
    '👍🔥',
    'спасибо большое',
    'danke euch allen',
    'merci beaucoup',
    'makasih kak',
    'teşekkürler',
    'hahaha xD',
  ])('drops obvious chatter %p in the pre-filter, with no triage', (content) => {
    expect(decide({ content }, { settings: allMode() })).toEqual({ outcome: 'skip', reason: 'chatter' });
  });

  it('drops members talking to each other: a mention of, or a reply to, another member', () => {
    const settings = allMode();
    expect(
      decide(
        { content: `<@${OTHER_MEMBER}> did the update fix it for you?`, mentions: [{ id: OTHER_MEMBER }] },
        { settings },
      ),
    ).toEqual({ outcome: 'skip', reason: 'member_conversation' });
    expect(
      decide(
        {
          type: MessageType.Reply,
          content: 'how did you fix it?',
          referenced_message: { author: { id: OTHER_MEMBER } },
        },
        { settings },
      ),
    ).toEqual({ outcome: 'skip', reason: 'member_conversation' });
  });

  it('keeps a reply to their own earlier message as a candidate', () => {
    expect(
      decide(
        {
          type: MessageType.Reply,
          content: 'still broken after the update, what now?',
          referenced_message: { author: { id: MEMBER.id } },
        },
        { settings: allMode() },
      ),
    ).toMatchObject({ outcome: 'answer', triage: true });
  });

  it('answers an explicit mention directly: no triage, and other mentions in it do not matter', () => {
    expect(
      decide(
        {
          content: `<@${BOT.userId}> <@${OTHER_MEMBER}> and I cannot log in, help?`,
          mentions: [{ id: BOT.userId }, { id: OTHER_MEMBER }],
        },
        { settings: allMode() },
      ),
    ).toEqual({
      outcome: 'answer',
      trigger: 'mention',
      via: 'user_mention',
      question: `<@${OTHER_MEMBER}> and I cannot log in, help?`,
      triage: false,
      cooldown: false,
    });
  });

  it('never answers bots, webhooks or itself, even in all-messages mode', () => {
    const settings = allMode({ smartMode: false });
    expect(decide({ author: { ...MEMBER, id: '100000000000000099', bot: true } }, { settings })).toEqual({
      outcome: 'skip',
      reason: 'bot_author',
    });
    expect(decide({ webhook_id: '700000000000000001' }, { settings })).toEqual({
      outcome: 'skip',
      reason: 'webhook',
    });
    expect(decide({ author: { ...MEMBER, id: BOT.userId, bot: true } }, { settings })).toEqual({
      outcome: 'skip',
      reason: 'own_message',
    });
  });

  it('does not ask an empty question (an attachment-only message)', () => {
    expect(decide({ content: '   ' }, { settings: allMode() })).toEqual({
      outcome: 'skip',
      reason: 'empty_question',
    });
  });
});

describe('response policy (all-messages mode, smart mode off)', () => {
  const settings = allMode({ smartMode: false });

  it('answers every member message, chatter and member talk included, under the cooldown', () => {
    for (const content of ['lol', 'thanks!', 'how do I reset my password?']) {
      expect(decide({ content }, { settings })).toEqual({
        outcome: 'answer',
        trigger: 'all_messages',
        via: 'channel_message',
        question: content,
        triage: false,
        cooldown: true,
      });
    }
    expect(
      decide({ content: `<@${OTHER_MEMBER}> you there?`, mentions: [{ id: OTHER_MEMBER }] }, { settings }),
    ).toMatchObject({ outcome: 'answer', cooldown: true });
  });

  it('answers an explicit mention without the cooldown', () => {
    expect(
      decide({ content: `<@${BOT.userId}> refunds?`, mentions: [{ id: BOT.userId }] }, { settings }),
    ).toMatchObject({ outcome: 'answer', trigger: 'mention', cooldown: false });
  });
});

describe('response policy (staff step-back)', () => {
  const at = { timestamp: NOW, content: 'it still does not work, why?' };

  it("steps back when a staff member replied to the member's message in the last minutes", () => {
    const recentMessages = [recent({ minutesAgo: 2, replyToAuthorId: MEMBER.id })];
    expect(decide(at, { settings: allMode(), recentMessages })).toEqual({
      outcome: 'skip',
      reason: 'staff_answering',
    });
    expect(decide(at, { settings: allMode({ smartMode: false }), recentMessages })).toEqual({
      outcome: 'skip',
      reason: 'staff_answering',
    });
  });

  it('steps back when a staff member mentioned the member', () => {
    const recentMessages = [recent({ minutesAgo: 1, mentionedUserIds: [MEMBER.id] })];
    expect(decide(at, { settings: allMode(), recentMessages })).toMatchObject({ reason: 'staff_answering' });
  });

  it('comes back once the staff reply is older than the window, or was for someone else', () => {
    expect(
      decide(at, {
        settings: allMode(),
        recentMessages: [recent({ minutesAgo: 6, replyToAuthorId: MEMBER.id })],
      }),
    ).toMatchObject({ outcome: 'answer' });
    expect(
      decide(at, {
        settings: allMode(),
        recentMessages: [recent({ minutesAgo: 1, replyToAuthorId: OTHER_MEMBER })],
        staffStepBackMs: 5 * 60_000,
      }),
    ).toMatchObject({ outcome: 'answer' });
    expect(
      decide(at, {
        settings: allMode(),
        recentMessages: [recent({ minutesAgo: 1, replyToAuthorId: MEMBER.id })],
        staffStepBackMs: 30_000,
      }),
    ).toMatchObject({ outcome: 'answer' });
  });

  it('ignores a reply from a member without a staff role, and guilds without staff roles', () => {
    const fromMember = [recent({ minutesAgo: 1, authorRoleIds: [], replyToAuthorId: MEMBER.id })];
    expect(decide(at, { settings: allMode(), recentMessages: fromMember })).toMatchObject({
      outcome: 'answer',
    });
    const staffReply = [recent({ minutesAgo: 1, replyToAuthorId: MEMBER.id })];
    expect(decide(at, { settings: allMode({ staffRoleIds: [] }), recentMessages: staffReply })).toMatchObject(
      { outcome: 'answer' },
    );
  });

  it('still answers an explicit @mention while a staff member is helping', () => {
    const recentMessages = [recent({ minutesAgo: 1, replyToAuthorId: MEMBER.id })];
    expect(
      decide(
        { ...at, content: `<@${BOT.userId}> what does the docs say?`, mentions: [{ id: BOT.userId }] },
        { settings: allMode(), recentMessages },
      ),
    ).toMatchObject({ outcome: 'answer', trigger: 'mention' });
  });

  it("does not answer staff members' own messages in all-messages mode", () => {
    expect(decide({ member: { nick: 'Sam', roles: [STAFF_ROLE] } }, { settings: allMode() })).toEqual({
      outcome: 'skip',
      reason: 'staff_author',
    });
  });
});

describe('response policy (mode per channel)', () => {
  const question = { content: 'how do I reset my password?' };
  const mentioned = { content: `<@${BOT.userId}> refunds?`, mentions: [{ id: BOT.userId }] };

  it('a channel override `all` turns a mention-mode guild into all-messages for that channel only', () => {
    const settings = { ...DEFAULT_GUILD_SETTINGS, channelOverrides: { [CHANNEL]: 'all' as const } };
    expect(decide(question, { settings })).toMatchObject({ outcome: 'answer', trigger: 'all_messages' });
    expect(decide({ ...question, channel_id: '300000000000000002' }, { settings })).toEqual({
      outcome: 'skip',
      reason: 'not_mentioned',
    });
  });

  it('a channel override `mention` or `off` beats a guild in all-messages mode', () => {
    const mentionOnly = allMode({ channelOverrides: { [CHANNEL]: 'mention' } });
    expect(decide(question, { settings: mentionOnly })).toEqual({ outcome: 'skip', reason: 'not_mentioned' });
    expect(decide(mentioned, { settings: mentionOnly })).toMatchObject({
      outcome: 'answer',
      trigger: 'mention',
    });
    const off = allMode({ channelOverrides: { [CHANNEL]: 'off' } });
    expect(decide(mentioned, { settings: off })).toEqual({ outcome: 'skip', reason: 'channel_off' });
  });

  it('`ask` answers no message at all, not even a mention: only /ask', () => {
    const settings = allMode({ channelOverrides: { [CHANNEL]: 'ask' } });
    expect(decide(question, { settings })).toEqual({ outcome: 'skip', reason: 'ask_only' });
    expect(decide(mentioned, { settings })).toEqual({ outcome: 'skip', reason: 'ask_only' });
  });
});

describe('stripBotMentions', () => {
  it("keeps other members' mentions and line breaks", () => {
    expect(stripBotMentions(`<@${BOT.userId}> ask <@100000000000000001>\n  about   refunds`, BOT)).toBe(
      'ask <@100000000000000001>\nabout refunds',
    );
  });
});
