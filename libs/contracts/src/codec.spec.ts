import { AnswerOrigin, AnswerRequestedSchema, ContractError, decode, DiscordCommandSchema, encode } from './index.js';
import { discordCommandSubject, discordEventSubject, parseDiscordEventSubject } from './subjects.js';

describe('bus contracts', () => {
  it('round-trips an answer request through its wire encoding', () => {
    const bytes = encode(AnswerRequestedSchema, {
      requestId: 'msg:1',
      tenantId: 't1',
      question: 'Wie setze ich mein Passwort zurück?',
      origin: AnswerOrigin.MENTION,
      channelContext: [{ authorId: 'u2', content: 'same here' }],
    });
    const decoded = decode(AnswerRequestedSchema, bytes);
    expect(decoded.question).toBe('Wie setze ich mein Passwort zurück?');
    expect(decoded.origin).toBe(AnswerOrigin.MENTION);
    expect(decoded.channelContext[0]?.content).toBe('same here');
  });

  it('keeps the one action of a Discord command', () => {
    const bytes = encode(DiscordCommandSchema, {
      commandId: 'c1',
      action: { case: 'sendMessage', value: { channelId: '42', content: 'hi', replyToMessageId: '7' } },
    });
    const command = decode(DiscordCommandSchema, bytes);
    expect(command.action.case).toBe('sendMessage');
    expect(command.action.case === 'sendMessage' && command.action.value.replyToMessageId).toBe('7');
  });

  it('names the expected type when a payload is garbage', () => {
    expect(() => decode(AnswerRequestedSchema, new Uint8Array([0xff, 0xff, 0xff]))).toThrow(ContractError);
    expect(() => decode(AnswerRequestedSchema, new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/steward\.v1\.AnswerRequested/);
  });

  it('builds and parses subjects, refusing tokens that would break routing', () => {
    const subject = discordEventSubject('111', '222', 'MESSAGE_CREATE');
    expect(subject).toBe('discord.evt.111.222.MESSAGE_CREATE');
    expect(parseDiscordEventSubject(subject)).toEqual({ applicationId: '111', guildId: '222', type: 'MESSAGE_CREATE' });
    expect(discordEventSubject('111', null, 'MESSAGE_CREATE')).toBe('discord.evt.111.dm.MESSAGE_CREATE');
    expect(discordCommandSubject('111', 'send')).toBe('discord.cmd.111.send');
    expect(() => discordEventSubject('1.2', '3', 'X')).toThrow(/invalid subject token/);
    expect(() => discordCommandSubject('1', '>')).toThrow(/invalid subject token/);
  });
});

describe('command routing', () => {
  it('routes each command to its verb subject', async () => {
    const { commandSubject, create } = await import('./index.js');
    const command = create(DiscordCommandSchema, {
      applicationId: '111',
      action: { case: 'editOriginalResponse', value: { token: 't', content: 'x' } },
    });
    expect(commandSubject(command)).toBe('discord.cmd.111.edit-original');
    expect(() => commandSubject(create(DiscordCommandSchema, { applicationId: '111' }))).toThrow(/no action/);
  });
});

describe('guild configuration', () => {
  it('fills the documented defaults and rejects unknown modes', async () => {
    const { guildConfig, guildSettings } = await import('./index.js');
    const config = guildConfig.parse({ guildId: '123456789012345678', tenantId: 't1', applicationId: '223456789012345678' });
    expect(config.settings.responseMode).toBe('mention');
    expect(config.settings.smartMode).toBe(true);
    expect(config.settings.moderation.actions).toEqual({ delete: true, warn: false, timeout: false, kick: false, ban: false });
    expect(config.settings.moderation.breaker).toEqual({ maxKicksAndBans: 5, windowMinutes: 10 });
    expect(guildSettings.safeParse({ responseMode: 'loud' }).success).toBe(false);
    expect(guildSettings.safeParse({ channelOverrides: { '123456789012345678': 'sometimes' } }).success).toBe(false);
  });
});
