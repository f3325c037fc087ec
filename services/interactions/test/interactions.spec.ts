import { sign } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Bus, type BusMessage, type ConsumerHandle } from '@steward/bus';
import {
  AnswerFeedbackSchema,
  AnswerOrigin,
  AnswerRequestedSchema,
  Buckets,
  decode,
  DirectoryRpc,
  discordEventSubject,
  DiscordCommandSchema,
  Streams,
  takeoverKey,
  type AnswerFeedback,
  type AnswerRequested,
  type DiscordCommand,
} from '@steward/contracts';
import { GuildConfigStore, startService, type RunningService } from '@steward/runtime';
import { startDiscordSandbox, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { resetJetStream, waitFor, workspaceRoot } from '@steward/testing';
import { ChannelType } from 'discord-api-types/v10';
import { interactionsService } from '../src/service.js';
import type { InteractionsConfig } from '../src/config.js';

const TENANT = 'tenant-local';

/** The part of deploy/local/infra.mjs this test uses. */
interface LocalInfra {
  makeRunDir(prefix: string): string;
  removeDir(dir: string): void;
  startNats(options: { dataDir: string }): Promise<{ url: string; pid: number; stop(): Promise<void> }>;
}

describe('interactions service', () => {
  let discord: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let memberId: string;
  let service: RunningService<InteractionsConfig>;
  let bus: Bus;
  let consumers: ConsumerHandle[] = [];
  const requested: AnswerRequested[] = [];
  const feedback: AnswerFeedback[] = [];
  const commands: DiscordCommand[] = [];

  const endpoint = () => `${service.httpUrl}/discord/webhook/`;
  const interactionsEnv = () => ({
    NATS_URL: process.env.NATS_URL,
    LOG_LEVEL: 'silent',
    INTERACTIONS_PORT: '0',
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_BOT_TOKEN: app.token,
    DISCORD_APPLICATION_ID: app.id,
    DISCORD_PUBLIC_KEY: app.publicKey,
    STEWARD_LOCAL_TENANT_ID: TENANT,
  });
  const startInteractions = () => startService(interactionsService, interactionsEnv());
  /** Discord delivers `/ask question` from a member, in the Acme server's general channel unless told otherwise. */
  const ask = (question: string, where: { guildId?: string; channelId?: string; userId?: string } = {}) =>
    discord.sendInteraction({
      applicationId: app.id,
      guildId: where.guildId ?? guild.id,
      channelId: where.channelId ?? guild.generalChannelId,
      userId: where.userId ?? memberId,
      commandName: 'ask',
      options: { question },
    });

  beforeAll(async () => {
    await resetJetStream(process.env.NATS_URL!);
    discord = await startDiscordSandbox();
    app = discord.createApplication({ name: 'Steward' });
    guild = discord.createGuild({ name: 'Acme', applicationIds: [app.id] });
    memberId = discord.createMember({ guildId: guild.id, username: 'alice' }).user!.id;
    // Declared by the router (and takeover service) in a deployment, which run before any takeover.
    const declaring = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-stand-in' });
    await declaring.ensureBuckets([Buckets.takeover]);
    await declaring.drain();
    service = await startInteractions();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'interactions-test' });
    consumers = [
      await bus.consume({ stream: Streams.facts.name, durable: 'test-requested', filterSubjects: ['steward.answer.requested'] }, (m: BusMessage) => {
        requested.push(decode(AnswerRequestedSchema, m.data));
      }),
      await bus.consume({ stream: Streams.discordCommands.name, durable: 'test-commands', filterSubjects: ['discord.cmd.>'] }, (m: BusMessage) => {
        commands.push(decode(DiscordCommandSchema, m.data));
      }),
      await bus.consume({ stream: Streams.facts.name, durable: 'test-feedback', filterSubjects: ['steward.answer.feedback'] }, (m: BusMessage) => {
        feedback.push(decode(AnswerFeedbackSchema, m.data));
      }),
    ];
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await bus?.drain();
    await service?.stop();
    await discord?.close();
  });

  /** A Discord-shaped POST, signed with the given key and timestamp. */
  function post(body: string, options: { key?: ApplicationCredentials['privateKey']; timestamp?: string; signature?: string | null } = {}) {
    const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-signature-timestamp': timestamp };
    const signature =
      options.signature === undefined
        ? sign(null, Buffer.from(timestamp + body), options.key ?? app.privateKey).toString('hex')
        : options.signature;
    if (signature !== null) headers['x-signature-ed25519'] = signature;
    return fetch(endpoint(), { method: 'POST', headers, body });
  }

  /** An interaction of alice's in #general: 2 a slash command, 3 a button press. */
  const interaction = (id: string, type: 2 | 3, data: Record<string, unknown>) => ({
    id,
    application_id: app.id,
    type,
    token: `token-${id}`,
    guild_id: guild.id,
    channel_id: guild.generalChannelId,
    member: { user: { id: memberId, username: 'alice' }, roles: [] },
    locale: 'en-US',
    data,
  });
  const askBody = (question: string, id = `${Date.now()}${Math.floor(Math.random() * 1e6)}`.slice(0, 18)) =>
    JSON.stringify(
      interaction(id, 2, { id: '1', name: 'ask', type: 1, options: [{ name: 'question', type: 3, value: question }] }),
    );

  /** Links a guild to the tenant with channels (or categories) switched off, as the admin API saves it. */
  async function switchOff(guildId: string, channelIds: string[]): Promise<void> {
    const channelOverrides = Object.fromEntries(channelIds.map((id) => [id, 'off']));
    await bus.putJson(Buckets.configGuilds.name, guildId, { guildId, tenantId: TENANT, applicationId: app.id, settings: { channelOverrides } });
    const guilds = service.app.get(GuildConfigStore);
    await waitFor(() => {
      const owner = guilds.resolve(guildId, app.id);
      return owner.kind === 'tenant' && channelIds.every((id) => owner.settings.channelOverrides[id] === 'off');
    });
  }

  it('registers /ask for the application at start', async () => {
    await waitFor(() => discord.restLog.some((entry) => entry.method === 'PUT' && entry.path.endsWith(`/applications/${app.id}/commands`)));
    const commandsResponse = await fetch(`${discord.apiUrl}/v10/applications/${app.id}/commands`, {
      headers: { authorization: `Bot ${app.token}` },
    });
    expect(((await commandsResponse.json()) as Array<{ name: string }>).map((c) => c.name)).toEqual(['ask']);
  });

  it('answers a signed /ask from Discord with a deferred response well inside 3 s and queues the question', async () => {
    discord.setInteractionsEndpoint(app.id, endpoint());
    const started = Date.now();
    const delivery = await ask('How do I reset my password?');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(delivery.via).toBe('http');
    expect(delivery.status).toBe(200);
    expect(delivery.body).toEqual({ type: 5 });
    await waitFor(() => requested.some((r) => r.interaction?.interactionId === delivery.interactionId));
    const request = requested.find((r) => r.interaction?.interactionId === delivery.interactionId)!;
    expect(request).toMatchObject({
      requestId: `ia:${delivery.interactionId}`,
      tenantId: TENANT,
      applicationId: app.id,
      guildId: guild.id,
      channelId: guild.generalChannelId,
      authorId: memberId,
      question: 'How do I reset my password?',
      origin: AnswerOrigin.SLASH_COMMAND,
    });
    expect(request.interaction?.token).toBe(delivery.token);
  });

  it('tells a member whose conversation a person has taken over to write in the channel, and queues nothing', async () => {
    const conversationId = `${guild.id}:${guild.generalChannelId}:${memberId}`;
    const now = Date.now();
    await bus.putJson(Buckets.takeover.name, takeoverKey(conversationId), {
      conversationId,
      tenantId: TENANT,
      by: 'agent',
      agentName: 'Dana',
      atMs: now,
      untilMs: now + 60_000,
    });
    try {
      const delivery = await ask('Is anyone there?');
      expect(delivery.body).toEqual({
        type: 4,
        data: { content: expect.stringContaining('A member of the team is looking after your conversation here'), flags: 64, allowed_mentions: { parse: [] } },
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(requested.some((r) => r.interaction?.interactionId === delivery.interactionId)).toBe(false);
    } finally {
      await (await bus.kv(Buckets.takeover.name)).delete(takeoverKey(conversationId));
    }
  });

  it('does not answer, nor bill a tenant, for a server linked to Steward through another bot', async () => {
    // Tenant B linked this server with its own bot; the platform bot is a member too.
    const linkedElsewhere = discord.createGuild({ name: 'Globex', applicationIds: [app.id] });
    const askerId = discord.createMember({ guildId: linkedElsewhere.id, username: 'bob' }).user!.id;
    await bus.putJson(Buckets.configGuilds.name, linkedElsewhere.id, {
      guildId: linkedElsewhere.id,
      tenantId: 'tenant-b',
      applicationId: '999999999999999999',
    });
    const guilds = service.app.get(GuildConfigStore);
    await waitFor(() => guilds.resolve(linkedElsewhere.id, app.id).kind === 'other_application');

    const delivery = await ask('How do I reset my password?', { guildId: linkedElsewhere.id, channelId: linkedElsewhere.generalChannelId, userId: askerId });
    expect(delivery.body).toEqual({
      type: 4,
      data: { content: expect.stringContaining('through another bot'), flags: 64, allowed_mentions: { parse: [] } },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requested.some((r) => r.interaction?.interactionId === delivery.interactionId)).toBe(false);
  });

  it('tells a member /ask is off in a channel switched off, in its threads and in the channels of a category switched off', async () => {
    const quiet = discord.createGuild({ name: 'Quiet corners', applicationIds: [app.id] });
    const askerId = discord.createMember({ guildId: quiet.id, username: 'carol' }).user!.id;
    const offChannel = discord.createChannel({ guildId: quiet.id, name: 'announcements' }).id;
    const offCategory = discord.createChannel({ guildId: quiet.id, name: 'Staff', type: ChannelType.GuildCategory }).id;
    const inOffCategory = discord.createChannel({ guildId: quiet.id, name: 'staff-chat', parentId: offCategory }).id;
    const starter = discord.postMessage({ channelId: offChannel, authorId: askerId, content: 'release notes' });
    const threadOfOffChannel = discord.startThread({ messageId: starter.id, authorId: askerId, name: 'questions' }).id;
    await switchOff(quiet.id, [offChannel, offCategory]);

    const askIn = (channelId: string) => ask('How do I reset my password?', { guildId: quiet.id, channelId, userId: askerId });
    const switchedOff = { type: 4, data: { content: 'Steward is switched off in this channel.', flags: 64, allowed_mentions: { parse: [] } } };
    const refused = [await askIn(offChannel), await askIn(threadOfOffChannel), await askIn(inOffCategory)];
    for (const delivery of refused) expect(delivery.body).toEqual(switchedOff);
    // Elsewhere in the same server /ask is answered.
    expect((await askIn(quiet.generalChannelId)).body).toEqual({ type: 5 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refusedIds = new Set(refused.map((delivery) => delivery.interactionId));
    expect(requested.some((r) => refusedIds.has(r.interaction?.interactionId ?? ''))).toBe(false);
  });

  it('acknowledges /ask in a thread by its channel alone, inside 3 s, when the router’s directory is too slow to name the category', async () => {
    const place = discord.createGuild({ name: 'Slow directory', applicationIds: [app.id] });
    const askerId = discord.createMember({ guildId: place.id, username: 'dan' }).user!.id;
    const offCategory = discord.createChannel({ guildId: place.id, name: 'Staff', type: ChannelType.GuildCategory }).id;
    const inCategory = discord.createChannel({ guildId: place.id, name: 'staff-chat', parentId: offCategory }).id;
    const starter = discord.postMessage({ channelId: inCategory, authorId: askerId, content: 'handover' });
    const thread = discord.startThread({ messageId: starter.id, authorId: askerId, name: 'handover' }).id;
    await switchOff(place.id, [offCategory]);
    // A router that is up but answers only after Discord would have given up on the /ask.
    const slowDirectory = bus.serve(DirectoryRpc.channelPlace.subject, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      return JSON.stringify({ place: { isThread: true, parentIds: [inCategory, offCategory] } });
    });
    try {
      const started = performance.now();
      const delivery = await ask('Who is on call tonight?', { guildId: place.id, channelId: thread, userId: askerId });
      expect(delivery.body).toEqual({ type: 5 });
      expect(performance.now() - started).toBeLessThan(2_000);
      await waitFor(() => requested.some((r) => r.interaction?.interactionId === delivery.interactionId));
    } finally {
      await slowDirectory.stop();
    }
  });

  it('records a press of an answer’s 👍 or 👎 as the member’s vote for the guild’s tenant, and thanks them in private', async () => {
    discord.setInteractionsEndpoint(app.id, endpoint());
    // An answer as egress posts it, its feedback buttons under it.
    const posted = await fetch(`${discord.apiUrl}/v10/channels/${guild.generalChannelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${app.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        content: 'Open Settings and choose Forgot password.',
        components: [
          {
            type: 1,
            components: [
              { type: 2, style: 2, custom_id: 'feedback:up:msg:987654321098765432', label: 'Helpful' },
              { type: 2, style: 2, custom_id: 'feedback:down:msg:987654321098765432', label: 'Not helpful' },
            ],
          },
        ],
      }),
    });
    const answer = (await posted.json()) as { id: string };
    const press = (customId: string) =>
      discord.pressButton({
        applicationId: app.id,
        guildId: guild.id,
        channelId: guild.generalChannelId,
        messageId: answer.id,
        userId: memberId,
        customId,
      });

    const thanked = await press('feedback:down:msg:987654321098765432');
    expect(thanked.body).toEqual({
      type: 4,
      data: {
        content: 'Thanks for the feedback! It helps the team improve the answers.',
        flags: 64,
        allowed_mentions: { parse: [] },
      },
    });
    const vote = await waitFor(() => feedback.find((f) => f.feedbackId === thanked.interactionId));
    expect(vote).toMatchObject({
      tenantId: TENANT,
      guildId: guild.id,
      channelId: guild.generalChannelId,
      turnId: 'msg:987654321098765432',
      userId: memberId,
      helpful: false,
    });
    expect((await press('feedback:up:msg:987654321098765432')).body).toMatchObject({ type: 4 });
    await waitFor(() => feedback.some((f) => f.turnId === 'msg:987654321098765432' && f.helpful));
  });

  it('answers PING with PONG, including Discord’s endpoint check', async () => {
    const response = await post(JSON.stringify({ id: '100000000000000001', application_id: app.id, type: 1, token: 't' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
    const check = await discord.pingInteractionsEndpoint(app.id);
    expect(check).toMatchObject({ status: 200, body: { type: 1 } });
  });

  it('rejects a missing or bad signature, a stale timestamp and another application’s key, and queues nothing', async () => {
    const before = requested.length;
    const other = discord.createApplication({ name: 'Impostor' });
    const stale = String(Math.floor(Date.now() / 1000) - 3_600);
    const responses = await Promise.all([
      post(askBody('unsigned'), { signature: null }),
      post(askBody('forged'), { signature: 'ab'.repeat(64) }),
      post(askBody('wrong key'), { key: other.privateKey }),
      post(askBody('replayed'), { timestamp: stale }),
    ]);
    expect(responses.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    for (const response of responses) expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(requested.length).toBe(before);
  });

  it('rejects malformed JSON with 400 and an oversized body, and tells the member about an unknown command', async () => {
    const malformed = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': 'ab'.repeat(64), 'x-signature-timestamp': '1' },
      body: '{"type": 1,',
    });
    expect(malformed.status).toBe(400);

    const huge = await post(JSON.stringify({ type: 1, application_id: app.id, padding: 'x'.repeat(100_000) }));
    expect(huge.status).toBe(413);

    const unknown = await post(askBody('hello').replace('"name":"ask"', '"name":"dance"'));
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/\/ask/) } });
  });

  it('handles INTERACTION_CREATE from the gateway with the same handler, answering through egress', async () => {
    const id = '200000000000000002';
    await bus.publish(discordEventSubject(app.id, guild.id, 'INTERACTION_CREATE'), askBody('Where is my invoice?', id), {
      msgId: `gw-${id}`,
    });
    await waitFor(() => commands.some((c) => c.commandId === `ia-callback:${id}`));
    const callback = commands.find((c) => c.commandId === `ia-callback:${id}`)!;
    expect(callback.action.case).toBe('interactionCallback');
    expect(callback.action.value).toMatchObject({ interactionId: id, token: `token-${id}`, type: 5 });
    await waitFor(() => requested.some((r) => r.requestId === `ia:${id}` && r.question === 'Where is my invoice?'));
  });

  it('answers /ask inside Discord’s 3 s, asking the member to try again, when NATS stops answering', async () => {
    // A NATS of its own, frozen mid-flight as a stalled server or a network partition leaves it.
    const infra = (await import(pathToFileURL(path.join(workspaceRoot, 'deploy/local/infra.mjs')).href)) as LocalInfra;
    const runDir = infra.makeRunDir('steward-interactions-');
    const nats = await infra.startNats({ dataDir: path.join(runDir, 'nats') });
    let frozen: RunningService<InteractionsConfig> | undefined;
    try {
      const declaring = await Bus.connect({ servers: nats.url, name: 'router-stand-in' });
      await declaring.ensureBuckets([Buckets.takeover]);
      await declaring.drain();
      frozen = await startService(interactionsService, { ...interactionsEnv(), NATS_URL: nats.url });
      discord.setInteractionsEndpoint(app.id, `${frozen.httpUrl}/discord/webhook/`);
      process.kill(nats.pid, 'SIGSTOP');
      const delivery = await ask('Is anyone there?');
      expect(delivery).toMatchObject({
        status: 200,
        body: { type: 4, data: { flags: 64, content: 'Steward cannot take questions right now. Please try again in a minute.' } },
      });
    } finally {
      process.kill(nats.pid, 'SIGCONT');
      discord.setInteractionsEndpoint(app.id, endpoint());
      await frozen?.stop();
      await nats.stop();
      infra.removeDir(runDir);
    }
  });

  it('leaves an /ask that waited in the stream past Discord’s 3 s: no response Discord would refuse, no question billed; a late vote still counts', async () => {
    await service.stop();
    const late = '200000000000000003';
    await bus.publish(discordEventSubject(app.id, guild.id, 'INTERACTION_CREATE'), askBody('Is anyone there?', late), {
      msgId: `gw-${late}`,
    });
    const lateVote = '200000000000000005';
    const vote = interaction(lateVote, 3, { custom_id: 'feedback:up:msg:987654321098765433', component_type: 2 });
    await bus.publish(discordEventSubject(app.id, guild.id, 'INTERACTION_CREATE'), JSON.stringify(vote), { msgId: `gw-${lateVote}` });
    await sleep(3_000);
    service = await startInteractions();
    const fresh = '200000000000000004';
    await bus.publish(discordEventSubject(app.id, guild.id, 'INTERACTION_CREATE'), askBody('Where is my order?', fresh), {
      msgId: `gw-${fresh}`,
    });
    await waitFor(() => commands.some((c) => c.commandId === `ia-callback:${fresh}`));
    // Both handled (acknowledged): the late one is not coming back.
    await waitFor(async () => {
      const consumer = await bus.jsm.consumers.info(Streams.discordEvents.name, 'interactions');
      return consumer.num_pending === 0 && consumer.num_ack_pending === 0;
    });
    expect(commands.filter((c) => c.commandId === `ia-callback:${late}`)).toEqual([]);
    await waitFor(() => requested.some((r) => r.requestId === `ia:${fresh}`));
    expect(requested.filter((r) => r.requestId === `ia:${late}`)).toEqual([]);
    await waitFor(() => feedback.some((press) => press.feedbackId === lateVote && press.helpful));
  });
});
