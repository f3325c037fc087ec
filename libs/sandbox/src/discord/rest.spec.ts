import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DiscordAPIError, REST } from '@discordjs/rest';
import { API } from '@discordjs/core';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageType,
  PermissionFlagsBits,
  Routes,
} from 'discord-api-types/v10';
import { createBot, type BotHarness } from './bot-harness.js';
import {
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from './sandbox.js';

describe('Discord sandbox REST', () => {
  let sandbox: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let rest: REST;
  let api: API;
  let alice: string;
  let moderator: string;
  let moderatorRoleId: string;
  const bots: BotHarness[] = [];

  beforeEach(async () => {
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0, heartbeatIntervalMs: 1_000 });
    app = sandbox.createApplication({ name: 'Steward' });
    guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    alice = sandbox.createMember({ guildId: guild.id, username: 'alice' }).user.id;
    // A role above the bot's own: the bot must not be able to act on its holders.
    moderatorRoleId = sandbox.createRole({
      guildId: guild.id,
      name: 'Moderator',
      permissions: PermissionFlagsBits.ManageMessages,
    }).id;
    moderator = sandbox.createMember({ guildId: guild.id, username: 'mod', roles: [moderatorRoleId] }).user
      .id;
    rest = new REST({ api: sandbox.apiUrl, retries: 1, timeout: 5_000 }).setToken(app.token);
    api = new API(rest);
  });

  afterEach(async () => {
    await Promise.all(bots.splice(0).map((harness) => harness.destroy()));
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
    await sandbox.close();
  });

  async function expectDiscordError(promise: Promise<unknown>, status: number, code: number) {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(status);
    expect((error as DiscordAPIError).code).toBe(code);
  }

  it('answers the identity and gateway routes the way discord.js expects', async () => {
    expect(await api.users.getCurrent()).toMatchObject({ id: app.botUserId, bot: true, username: 'Steward' });
    expect(await api.applications.getCurrent()).toMatchObject({ id: app.id, verify_key: app.publicKey });
    const gateway = await api.gateway.getBot();
    expect(gateway.url).toBe(sandbox.gatewayUrl);
    expect(gateway.session_start_limit).toMatchObject({ total: 1000, remaining: 1000, max_concurrency: 1 });
    const bad = new REST({ api: sandbox.apiUrl }).setToken('not-a-token');
    await expectDiscordError(new API(bad).users.getCurrent(), 401, 0);
  });

  it('lands a bot reply with message_reference in the channel, in answer to a gateway message', async () => {
    const harness = createBot(sandbox, app.token, {
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
    });
    bots.push(harness);
    harness.client.on(GatewayDispatchEvents.MessageCreate, async ({ data, api: botApi }) => {
      if (data.author.bot) return;
      await botApi.channels.createMessage(data.channel_id, {
        content: `You said: ${data.content}`,
        message_reference: { message_id: data.id },
        allowed_mentions: { parse: [], replied_user: true },
      });
    });
    await harness.gateway.connect();

    const question = sandbox.postMessage({
      guildId: guild.id,
      channelId: guild.generalChannelId,
      authorId: alice,
      content: 'where is my order?',
    });
    const reply = await sandbox.waitFor(() =>
      sandbox.messages(guild.generalChannelId).find((message) => message.author.id === app.botUserId),
    );

    expect(reply).toMatchObject({
      content: 'You said: where is my order?',
      type: MessageType.Reply,
      message_reference: { message_id: question.id, channel_id: guild.generalChannelId, guild_id: guild.id },
      referenced_message: { id: question.id, content: 'where is my order?' },
    });
    expect(reply.mentions.map((user: { id: string }) => user.id)).toEqual([alice]);
    await sandbox.waitFor(() =>
      sandbox.restLog.some((entry) => entry.route === '/channels/:channelId/messages'),
    );
    expect(sandbox.restLog.filter((entry) => entry.route === '/channels/:channelId/messages')).toEqual([
      expect.objectContaining({ method: 'POST', status: 200, applicationId: app.id }),
    ]);
  });

  it('answers an injected 429 with Retry-After, which the client obeys, and the message arrives once', async () => {
    sandbox.rateLimitNext({ method: 'POST', route: '/channels/:channelId/messages', retryAfterSeconds: 0.3 });
    const startedAt = Date.now();

    await api.channels.createMessage(guild.generalChannelId, { content: 'after the wait' });

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect(sandbox.messages(guild.generalChannelId).map((message) => message.content)).toEqual([
      'after the wait',
    ]);
    expect(sandbox.restLog.map((entry) => entry.status)).toEqual([429, 200]);
  });

  it('sends Discord rate-limit headers and a global 429 body', async () => {
    const ok = await fetch(`${sandbox.apiUrl}/v10/users/%40me`, {
      headers: { Authorization: `Bot ${app.token}` },
    });
    expect(ok.headers.get('content-type')).toBe('application/json');
    for (const header of [
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'x-ratelimit-reset-after',
      'x-ratelimit-bucket',
    ]) {
      expect(ok.headers.get(header)).not.toBeNull();
    }
    sandbox.rateLimitNext({ route: '/users/@me', retryAfterSeconds: 2, global: true });
    const limited = await fetch(`${sandbox.apiUrl}/v10/users/@me`, {
      headers: { Authorization: `Bot ${app.token}` },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(await limited.json()).toEqual({
      message: 'You are being rate limited.',
      retry_after: 2,
      global: true,
    });
  });

  it('returns the message already created with the same nonce when enforce_nonce is set', async () => {
    const channelId = guild.generalChannelId;
    const first = await api.channels.createMessage(channelId, {
      content: 'exactly once',
      nonce: 'command-42',
      enforce_nonce: true,
    });
    const repeated = await api.channels.createMessage(channelId, {
      content: 'exactly once',
      nonce: 'command-42',
      enforce_nonce: true,
    });
    // Without enforce_nonce a nonce is only echoed back; the message is created again.
    const unenforced = await api.channels.createMessage(channelId, { content: 'again', nonce: 'command-42' });

    expect(repeated).toMatchObject({ id: first.id, nonce: 'command-42' });
    expect(unenforced.id).not.toBe(first.id);
    expect(sandbox.messages(channelId).map((message) => message.id)).toEqual([first.id, unenforced.id]);
    await expectDiscordError(
      api.channels.createMessage(channelId, { content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true }),
      400,
      50035,
    );
  });

  it('paces message creation with a per-channel bucket without a single 429', async () => {
    const sends = Array.from({ length: 7 }, (_, index) =>
      api.channels.createMessage(guild.generalChannelId, { content: `message ${index}` }),
    );
    await Promise.all(sends);
    expect(sandbox.messages(guild.generalChannelId)).toHaveLength(7);
    expect(sandbox.restLog.filter((entry) => entry.status === 429)).toEqual([]);
  });

  it('validates message bodies as Discord does', async () => {
    await expectDiscordError(
      api.channels.createMessage(guild.generalChannelId, { content: 'x'.repeat(2001) }),
      400,
      50035,
    );
    await expectDiscordError(api.channels.createMessage(guild.generalChannelId, {}), 400, 50006);
    await expectDiscordError(api.channels.createMessage('1234', { content: 'hi' }), 404, 10003);
    await expectDiscordError(api.channels.deleteMessage(guild.generalChannelId, '1234'), 404, 10008);
    await expectDiscordError(api.guilds.getMember(guild.id, '1234'), 404, 10007);
    expect(sandbox.messages(guild.generalChannelId)).toEqual([]);
  });

  it('refuses to delete others’ messages without MANAGE_MESSAGES', async () => {
    const botRoleId = guild.botRoleIds[app.id]!;
    sandbox.setRolePermissions({
      guildId: guild.id,
      roleId: botRoleId,
      permissions: PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages,
    });
    const theirs = sandbox.postMessage({
      channelId: guild.generalChannelId,
      authorId: alice,
      content: 'spam',
    });
    const mine = await api.channels.createMessage(guild.generalChannelId, { content: 'mine' });

    await expectDiscordError(api.channels.deleteMessage(guild.generalChannelId, theirs.id), 403, 50013);
    await api.channels.deleteMessage(guild.generalChannelId, mine.id);

    expect(sandbox.messages(guild.generalChannelId).map((message) => message.content)).toEqual(['spam']);
    sandbox.setRolePermissions({
      guildId: guild.id,
      roleId: botRoleId,
      permissions: PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageMessages,
    });
    await api.channels.deleteMessage(guild.generalChannelId, theirs.id);
    expect(sandbox.messages(guild.generalChannelId)).toEqual([]);
  });

  it('times out a member below the bot, and then the member cannot post', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    const member = await api.guilds.editMember(guild.id, alice, { communication_disabled_until: until });
    expect(member.communication_disabled_until).toBe(until);
    expect(() =>
      sandbox.postMessage({ channelId: guild.generalChannelId, authorId: alice, content: 'let me talk' }),
    ).toThrow('Missing Permissions');
  });

  it('refuses moderation against the owner and members at or above the bot’s top role', async () => {
    const until = new Date(Date.now() + 60_000).toISOString();
    await expectDiscordError(
      api.guilds.editMember(guild.id, moderator, { communication_disabled_until: until }),
      403,
      50013,
    );
    await expectDiscordError(api.guilds.removeMember(guild.id, moderator), 403, 50013);
    await expectDiscordError(api.guilds.banUser(guild.id, moderator), 403, 50013);
    await expectDiscordError(api.guilds.removeMember(guild.id, guild.ownerId), 403, 50013);
    await expectDiscordError(api.guilds.banUser(guild.id, guild.ownerId), 403, 50013);
    expect(sandbox.guild(guild.id).members).toHaveLength(4);
  });

  it('requires KICK_MEMBERS, BAN_MEMBERS and MODERATE_MEMBERS for kick, ban and timeout', async () => {
    const botRoleId = guild.botRoleIds[app.id]!;
    sandbox.setRolePermissions({
      guildId: guild.id,
      roleId: botRoleId,
      permissions: PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages,
    });
    const until = new Date(Date.now() + 60_000).toISOString();
    await expectDiscordError(
      api.guilds.editMember(guild.id, alice, { communication_disabled_until: until }),
      403,
      50013,
    );
    await expectDiscordError(api.guilds.removeMember(guild.id, alice), 403, 50013);
    await expectDiscordError(api.guilds.banUser(guild.id, alice), 403, 50013);
    sandbox.setRolePermissions({
      guildId: guild.id,
      roleId: botRoleId,
      permissions: PermissionFlagsBits.BanMembers,
    });
    await api.guilds.banUser(guild.id, alice);
    expect(sandbox.guild(guild.id).members.map((member) => member.user.id)).not.toContain(alice);
  });

  it('bans with delete_message_seconds, removing the member’s recent messages', async () => {
    sandbox.postMessage({ channelId: guild.generalChannelId, authorId: alice, content: 'buy cheap stuff' });
    sandbox.postMessage({ channelId: guild.generalChannelId, authorId: moderator, content: 'stop that' });

    await api.guilds.banUser(guild.id, alice, { delete_message_seconds: 3600 });

    expect(sandbox.messages(guild.generalChannelId).map((message) => message.content)).toEqual(['stop that']);
    expect(await api.guilds.getMemberBan(guild.id, alice)).toMatchObject({ user: { id: alice } });
    await api.guilds.unbanUser(guild.id, alice);
    await expectDiscordError(api.guilds.getMemberBan(guild.id, alice), 404, 10026);
  });

  it('starts a thread from a message and lets the bot post in it', async () => {
    const question = sandbox.postMessage({
      channelId: guild.generalChannelId,
      authorId: alice,
      content: 'help please',
    });
    const thread = await api.channels.createThread(
      guild.generalChannelId,
      { name: 'Help for alice' },
      question.id,
    );
    expect(thread.id).toBe(question.id);
    await api.channels.createMessage(thread.id, { content: 'Here to help' });
    expect(sandbox.messages(thread.id).map((message) => message.content)).toEqual(['Here to help']);
  });

  it('overwrites application commands idempotently', async () => {
    const first = (await rest.put(Routes.applicationCommands(app.id), {
      body: [{ name: 'ask', description: 'Ask a question' }],
    })) as Array<{ id: string }>;
    const second = (await rest.put(Routes.applicationCommands(app.id), {
      body: [{ name: 'ask', description: 'Ask a question' }],
    })) as Array<{ id: string }>;
    expect(second.map((command) => command.id)).toEqual(first.map((command) => command.id));
    expect(await rest.get(Routes.applicationCommands(app.id))).toHaveLength(1);
  });
});
