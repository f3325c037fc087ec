import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import type { ConsumerMessages } from '@nats-io/jetstream';
import { Bus } from '@steward/bus';
import {
  Buckets,
  commandSubject,
  decode,
  DiscordCommandResultSchema,
  DiscordCommandSchema,
  Subjects,
  type DiscordCommand,
  type DiscordCommandResult,
} from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import {
  Permission,
  startDiscordSandbox,
  type ApplicationCredentials,
  type DiscordSandbox,
  type GuildSnapshot,
} from '@steward/sandbox';
import { resetJetStream, waitFor } from '@steward/testing';
import { commandKey, EGRESS_COMMANDS_BUCKET, type CommandRecord } from '../src/commands/command-outcomes.js';
import { nonceFor } from '../src/commands/discord-actions.js';
import type { EgressConfig } from '../src/config.js';
import { egressService } from '../src/service.js';

const MESSAGES_ROUTE = '/channels/:channelId/messages';

describe('egress', () => {
  let sandbox: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let alice: string;
  let service: RunningService<EgressConfig>;
  let bus: Bus;
  let resultStream: ConsumerMessages;
  const results: DiscordCommandResult[] = [];
  let sequence = 0;

  beforeAll(async () => {
    await resetJetStream();
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0 });
    app = sandbox.createApplication({ name: 'Steward' });
    guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    alice = sandbox.createMember({ guildId: guild.id, username: 'alice' }).user.id;
    service = await startEgress();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'egress-test' });
    // Every result stored in the stream (a duplicate publish is not stored twice).
    resultStream = await (await bus.js.consumers.get('STEWARD')).consume();
    void (async () => {
      for await (const message of resultStream) {
        if (message.subject === Subjects.egressResult)
          results.push(decode(DiscordCommandResultSchema, message.data));
      }
    })();
  });

  afterAll(async () => {
    await resultStream?.close();
    await bus?.drain();
    await service?.stop();
    await sandbox?.close();
  });

  function startEgress(): Promise<RunningService<EgressConfig>> {
    return startService(egressService, {
      NATS_URL: process.env.NATS_URL,
      DISCORD_API_URL: sandbox.apiUrl,
      DISCORD_APPLICATION_ID: app.id,
      DISCORD_BOT_TOKEN: app.token,
      EGRESS_REST_RETRIES: '2',
      EGRESS_REST_TIMEOUT_MS: '5000',
      EGRESS_GLOBAL_REQUESTS_PER_SECOND: '10',
      EGRESS_REPLICA_HEARTBEAT_MS: '200',
      LOG_LEVEL: 'silent',
      OPS_PORT: '0',
    });
  }

  function command(action: MessageInitShape<typeof DiscordCommandSchema>['action']): DiscordCommand {
    return create(DiscordCommandSchema, {
      commandId: `test-${process.pid}-${++sequence}`,
      applicationId: app.id,
      tenantId: 'tenant-1',
      guildId: guild.id,
      createdAtMs: BigInt(Date.now()),
      action,
    });
  }

  async function publish(cmd: DiscordCommand, msgId = cmd.commandId): Promise<void> {
    await bus.publish(commandSubject(cmd), toBinary(DiscordCommandSchema, cmd), { msgId });
  }

  function resultOf(cmd: DiscordCommand): Promise<DiscordCommandResult> {
    return waitFor(() => results.find((result) => result.commandId === cmd.commandId), {
      message: `the result of ${cmd.commandId}`,
    });
  }

  /** Every command delivered and acknowledged: the work queue is empty and nothing is pending. */
  async function commandsSettled(): Promise<void> {
    await waitFor(
      async () => {
        const info = await bus.jsm.consumers.info('DISCORD_CMD', 'egress');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { message: 'egress to settle every command' },
    );
  }

  function newChannel(name: string, options: { denyBot?: bigint } = {}): string {
    const overwrites = options.denyBot
      ? [{ id: guild.botRoleIds[app.id]!, type: 0 as const, deny: options.denyBot }]
      : [];
    return sandbox.createChannel({ guildId: guild.id, name, permissionOverwrites: overwrites }).id;
  }

  function messagePosts(channelId: string) {
    return sandbox.restLog.filter(
      (entry) => entry.method === 'POST' && entry.route === MESSAGES_ROUTE && entry.path.includes(channelId),
    );
  }

  function sendTo(channelId: string, content: string) {
    return command({ case: 'sendMessage', value: { channelId, content } });
  }

  /** A message posted with a nonce, as a process that died before recording it had posted it. */
  async function postedBeforeCrash(channelId: string, body: Record<string, unknown>): Promise<string> {
    const posted = await fetch(`${sandbox.apiUrl}/v10/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bot ${app.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, enforce_nonce: true }),
    });
    return ((await posted.json()) as { id: string }).id;
  }

  /** The dead process's claim of a command: still in flight, its lease run out. */
  async function claimLeftInFlight(commandId: string): Promise<void> {
    const record: CommandRecord = { state: 'in-flight', commandId, attempt: 1, leaseUntilMs: Date.now() - 1 };
    await (await bus.kv(EGRESS_COMMANDS_BUCKET.name)).put(commandKey(commandId), JSON.stringify(record));
  }

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${service.ops.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  it('replies to a question, and the reply can ping only the member it names', async () => {
    const channelId = newChannel('support');
    const staff = sandbox.createRole({ guildId: guild.id, name: 'Staff', mentionable: true }).id;
    const question = sandbox.postMessage({
      channelId,
      authorId: alice,
      content: 'how do I reset my password?',
    });
    const reply = command({
      case: 'sendMessage',
      value: {
        channelId,
        replyToMessageId: question.id,
        content: `@everyone @here <@&${staff}> <@${alice}>: open Settings → Security.`,
        mentionUserIds: [alice],
        buttons: [{ customId: 'feedback:up', label: 'Helpful' }],
      },
    });

    await publish(reply);

    const result = await resultOf(reply);
    const [message] = sandbox.messages(channelId).filter((m) => m.author.id === app.botUserId);
    expect(result).toMatchObject({
      ok: true,
      verb: 'send',
      httpStatus: 200,
      messageId: message!.id,
      attempts: 1,
    });
    expect(message).toMatchObject({
      content: `@everyone @here <@&${staff}> <@${alice}>: open Settings → Security.`,
      message_reference: { message_id: question.id },
      mention_everyone: false,
      mention_roles: [],
      components: [{ type: 1, components: [{ type: 2, custom_id: 'feedback:up', label: 'Helpful' }] }],
    });
    expect(message!.mentions.map((user) => user.id)).toEqual([alice]);
  });

  it('performs a command id once when it is published twice', async () => {
    const channelId = newChannel('twice');
    const reply = sendTo(channelId, 'only once');

    // Different JetStream ids, so the stream keeps both copies.
    await publish(reply, `${reply.commandId}-a`);
    await publish(reply, `${reply.commandId}-b`);
    await resultOf(reply);
    await commandsSettled();

    expect(sandbox.messages(channelId).map((message) => message.content)).toEqual(['only once']);
    expect(messagePosts(channelId)).toHaveLength(1);
  });

  it('posts once when a process died after calling Discord but before recording the outcome', async () => {
    const channelId = newChannel('crash');
    const reply = sendTo(channelId, 'survives a crash');
    // What the dead process did: Discord created the message with the command's nonce...
    const createdId = await postedBeforeCrash(channelId, {
      content: 'survives a crash',
      nonce: nonceFor(reply.commandId),
    });
    // ...and its claim is still in flight, its lease run out.
    await claimLeftInFlight(reply.commandId);

    await publish(reply);

    expect(await resultOf(reply)).toMatchObject({ ok: true, messageId: createdId });
    expect(sandbox.messages(channelId).map((message) => message.id)).toEqual([createdId]);
    expect(messagePosts(channelId).map((entry) => entry.status)).toEqual([200, 200]);
  });

  it('posts a long reply whole and in order, buttons under its last part, and after a crash only the parts still missing', async () => {
    const channelId = newChannel('long-reply');
    const question = sandbox.postMessage({
      guildId: guild.id,
      channelId,
      authorId: alice,
      content: 'explain it all',
    });
    const reply = command({
      case: 'sendMessage',
      value: {
        channelId,
        replyToMessageId: question.id,
        content: 'Part one.',
        continuations: ['Part two.', 'Part three.'],
        buttons: [{ customId: 'feedback:up', label: 'Helpful' }],
      },
    });
    // A process died after posting the first two parts, each with its own nonce.
    const postedBefore = [
      await postedBeforeCrash(channelId, {
        content: 'Part one.',
        nonce: nonceFor(reply.commandId),
        message_reference: { message_id: question.id },
      }),
      await postedBeforeCrash(channelId, { content: 'Part two.', nonce: nonceFor(`${reply.commandId}#2`) }),
    ];
    await claimLeftInFlight(reply.commandId);

    await publish(reply);

    expect(await resultOf(reply)).toMatchObject({ ok: true, messageId: postedBefore[0] });
    const messages = sandbox.messages(channelId).filter((m) => m.author.id === app.botUserId);
    expect(messages.map((m) => m.content)).toEqual(['Part one.', 'Part two.', 'Part three.']);
    expect(messages.slice(0, 2).map((m) => m.id)).toEqual(postedBefore);
    expect(messages[2]!.message_reference).toBeUndefined();
    expect(messages[2]!.components).toEqual([
      { type: 1, components: [{ type: 2, style: 2, custom_id: 'feedback:up', label: 'Helpful' }] },
    ]);
  });

  it('waits out a 429 and delivers the message exactly once, counting the rate limit', async () => {
    const channelId = newChannel('busy');
    const before = await metric('steward_egress_rate_limited_total');
    sandbox.rateLimitNext({ method: 'POST', route: MESSAGES_ROUTE, retryAfterSeconds: 0.2 });
    const reply = sendTo(channelId, 'after the wait');

    await publish(reply);

    expect(await resultOf(reply)).toMatchObject({ ok: true, attempts: 1 });
    expect(sandbox.messages(channelId).map((message) => message.content)).toEqual(['after the wait']);
    expect(messagePosts(channelId).map((entry) => entry.status)).toEqual([429, 200]);
    expect((await metric('steward_egress_rate_limited_total')) - before).toBe(1);
  });

  it("does not hold up a channel's reply behind another channel's backlog", async () => {
    const crowded = newChannel('crowded');
    const quiet = newChannel('quiet');
    // 80 replies for one channel: the sandbox posts five a second there (Discord about one).
    const backlog = Array.from({ length: 80 }, (_, n) => sendTo(crowded, `answer ${n + 1}`));
    const publishedAt = Date.now();
    await Promise.all(backlog.map((cmd) => publish(cmd)));
    const elsewhere = sendTo(quiet, 'an answer in another channel');
    await publish(elsewhere);

    expect(await resultOf(elsewhere)).toMatchObject({ ok: true });
    expect(sandbox.messages(quiet)).toHaveLength(1);
    // It went out while the crowded channel was still working through its first seconds.
    expect(sandbox.messages(crowded).length).toBeLessThan(30);

    // Still waiting after longer than a claim's 30 s lease minus its 10 s heartbeat: the claim
    // was renewed, so no other delivery could take the command over meanwhile.
    // (Waited for rather than read at 11 s: on a loaded host the heartbeat's timer fires late.)
    const claims = await bus.kv(EGRESS_COMMANDS_BUCKET.name);
    const last = await waitFor(
      async () => {
        const record = (await claims.get(commandKey(backlog.at(-1)!.commandId)))!.json<CommandRecord>();
        return record.state === 'in-flight' && record.leaseUntilMs > publishedAt + 35_000 ? record : undefined;
      },
      { timeoutMs: 20_000, message: 'the claim of the last backlog command to be renewed' },
    );
    expect(last).toMatchObject({ state: 'in-flight' });

    await waitFor(() => sandbox.messages(crowded).length >= backlog.length, {
      timeoutMs: 60_000,
      message: 'the whole backlog posted',
    });
    await commandsSettled();
    const posted = sandbox.messages(crowded).map((message) => message.content);
    expect(new Set(posted).size).toBe(backlog.length);
    expect(posted).toHaveLength(backlog.length);
  }, 90_000);

  it('stops at once while commands wait for a rate limit; another replica posts them, each once', async () => {
    const crowded = newChannel('crowded-at-shutdown');
    const second = await startEgress();
    const backlog = Array.from({ length: 40 }, (_, n) => sendTo(crowded, `reply ${n + 1}`));
    await Promise.all(backlog.map((cmd) => publish(cmd)));
    // Both replicas hold commands waiting for the channel's bucket (five a second).
    await waitFor(() => sandbox.messages(crowded).length >= 5, { message: 'the backlog under way' });

    const stopping = performance.now();
    await second.stop();
    // Its commands wait for the channel's rate limit: they go back to the stream, not out first.
    expect(performance.now() - stopping).toBeLessThan(2_500);

    await waitFor(() => sandbox.messages(crowded).length >= backlog.length, {
      timeoutMs: 60_000,
      message: 'the whole backlog posted by the replica still running',
    });
    await commandsSettled();
    const posted = sandbox.messages(crowded).map((message) => message.content);
    expect(posted).toHaveLength(backlog.length);
    expect(new Set(posted).size).toBe(backlog.length);
  }, 90_000);

  it('reports a missing permission once, with its reason, and does not retry', async () => {
    const channelId = newChannel('read-only', { denyBot: Permission.SendMessages });
    const reply = sendTo(channelId, 'you cannot see me');

    await publish(reply);

    expect(await resultOf(reply)).toMatchObject({
      ok: false,
      httpStatus: 403,
      discordCode: 50013,
      error: 'missing permission: the bot cannot send messages in this channel (Discord 50013)',
      // A refusal Discord would repeat: no point in trying again later.
      transient: false,
    });
    await commandsSettled();
    // Longer than the first redelivery backoff: nothing comes back.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(messagePosts(channelId).map((entry) => entry.status)).toEqual([403]);
    expect(sandbox.messages(channelId)).toEqual([]);
  });

  it('rides out 500s: the client retries them, and a redelivery retries what outlasts the client', async () => {
    const channelId = newChannel('flaky');
    sandbox.failNext({ method: 'POST', route: MESSAGES_ROUTE, status: 500, count: 2 });
    const first = sendTo(channelId, 'after two 500s');
    await publish(first);
    expect(await resultOf(first)).toMatchObject({ ok: true, attempts: 1 });

    // Three 500s outlast the client's two retries: the command fails once and is delivered again.
    sandbox.failNext({ method: 'POST', route: MESSAGES_ROUTE, status: 502, count: 3 });
    const second = sendTo(channelId, 'after a redelivery');
    await publish(second);
    expect(await resultOf(second)).toMatchObject({ ok: true, attempts: 2 });

    expect(sandbox.messages(channelId).map((message) => message.content)).toEqual([
      'after two 500s',
      'after a redelivery',
    ]);
    expect(messagePosts(channelId).map((entry) => entry.status)).toEqual([500, 500, 200, 502, 502, 502, 200]);
  });

  it("counts a delete or a kick as done when the client's own retry finds it done by the try whose answer was lost", async () => {
    const channelId = newChannel('lost-answers');
    const spam = sandbox.postMessage({ channelId, authorId: alice, content: 'buy followers' });
    const eve = sandbox.createMember({ guildId: guild.id, username: 'eve' }).user.id;
    // Discord acts, but the answer is lost on its way back (a proxy's 502): the client tries again.
    sandbox.failNext({
      method: 'DELETE',
      route: '/channels/:channelId/messages/:messageId',
      status: 502,
      afterPerforming: true,
    });
    sandbox.failNext({
      method: 'DELETE',
      route: '/guilds/:guildId/members/:userId',
      status: 502,
      afterPerforming: true,
    });
    const removal = command({
      case: 'deleteMessage',
      value: { channelId, messageId: spam.id, reason: 'spam' },
    });
    const kick = command({ case: 'kickMember', value: { userId: eve, reason: 'spam' } });
    await publish(removal);
    await publish(kick);

    expect(await resultOf(removal)).toMatchObject({ ok: true, verb: 'delete', attempts: 1 });
    expect(await resultOf(kick)).toMatchObject({ ok: true, verb: 'kick', attempts: 1 });
    expect(sandbox.messages(channelId)).toEqual([]);
    expect(
      sandbox.restLog
        .filter((entry) => entry.method === 'DELETE' && entry.path.includes(spam.id))
        .map((entry) => entry.status),
    ).toEqual([502, 404]);

    // A 429 is a refusal, not a try that may have been carried out: a message someone else
    // deleted meanwhile is reported as not deleted by the bot.
    const gone = sandbox.postMessage({ channelId, authorId: alice, content: 'deleted by its author' });
    sandbox.deleteMessage({ messageId: gone.id });
    sandbox.rateLimitNext({
      method: 'DELETE',
      route: '/channels/:channelId/messages/:messageId',
      retryAfterSeconds: 0.2,
    });
    const late = command({ case: 'deleteMessage', value: { channelId, messageId: gone.id, reason: 'spam' } });
    await publish(late);
    expect(await resultOf(late)).toMatchObject({ ok: false, verb: 'delete', discordCode: 10008 });
  });

  it("paces a bot to this replica's share of its global limit, half of it while another replica runs", async () => {
    // Alone again: the replica of the earlier test removed its key when it stopped (a key a
    // replica could not remove expires with the bucket's 30 s max age).
    await waitFor(async () => (await metric('steward_egress_global_limit_share')) === 10, {
      timeoutMs: 40_000,
      message: 'egress to run alone',
    });
    const replicas = await bus.kv(Buckets.egressReplicas.name);
    // Another replica starts: it keeps a key in KV egress-replicas while it runs.
    await replicas.put('another-replica', JSON.stringify({ atMs: Date.now() }));
    try {
      await waitFor(async () => (await metric('steward_egress_global_limit_share')) === 5, {
        message: 'egress to count the other replica',
      });
      // One message to each of 20 channels: no per-channel limit holds them back, only the global one.
      const channels = Array.from({ length: 20 }, (_, n) => newChannel(`paced-${n}`));
      const sends = channels.map((channelId, n) => sendTo(channelId, `paced ${n}`));
      for (const send of sends) await publish(send);
      for (const send of sends) expect(await resultOf(send)).toMatchObject({ ok: true });

      // Five a second: the 20 requests span three seconds at least (ten a second would take one).
      const times = channels.flatMap((channelId) => messagePosts(channelId).map((entry) => entry.at));
      expect(times).toHaveLength(20);
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(2_800);
    } finally {
      await replicas.delete('another-replica');
    }
    // The other replica stopped: this one takes the whole limit again.
    await waitFor(async () => (await metric('steward_egress_global_limit_share')) === 10, {
      message: 'egress to take the whole limit back',
    });
  }, 70_000);

  it('defers an interaction and then edits @original through the webhook route', async () => {
    const channelId = newChannel('ask');
    const interaction = await sandbox.sendInteraction({
      applicationId: app.id,
      guildId: guild.id,
      channelId,
      userId: alice,
      commandName: 'ask',
      options: { question: 'refunds?' },
    });
    const defer = command({
      case: 'interactionCallback',
      value: { interactionId: interaction.interactionId, token: interaction.token, type: 5 },
    });
    await publish(defer);
    const deferred = await resultOf(defer);
    expect(deferred).toMatchObject({ ok: true, verb: 'interaction-callback' });

    const answer = command({
      case: 'editOriginalResponse',
      value: { token: interaction.token, content: 'Refunds take 5 days. @everyone' },
    });
    await publish(answer);

    expect(await resultOf(answer)).toMatchObject({
      ok: true,
      verb: 'edit-original',
      messageId: deferred.messageId,
    });
    expect(sandbox.messages(channelId)).toEqual([
      expect.objectContaining({
        id: deferred.messageId,
        content: 'Refunds take 5 days. @everyone',
        mention_everyone: false,
      }),
    ]);
    // Neither call needed the bot token.
    expect(sandbox.restLog.filter((entry) => entry.path.includes(interaction.token))).toEqual([
      expect.objectContaining({ applicationId: null, status: 200 }),
      expect.objectContaining({ applicationId: null, status: 200 }),
    ]);
  });

  it('times out, kicks and bans members, and reports the role hierarchy refusing it', async () => {
    const channelId = newChannel('moderation');
    const bob = sandbox.createMember({ guildId: guild.id, username: 'bob' }).user.id;
    const carol = sandbox.createMember({ guildId: guild.id, username: 'carol' }).user.id;
    const spam = sandbox.postMessage({ channelId, authorId: carol, content: 'cheap accounts, DM me' });
    const aboveBot = sandbox.createRole({ guildId: guild.id, name: 'Moderator' }).id;
    const moderator = sandbox.createMember({ guildId: guild.id, username: 'mod', roles: [aboveBot] }).user.id;

    const timeout = command({ case: 'timeoutMember', value: { userId: alice, minutes: 10, reason: 'spam' } });
    const kick = command({ case: 'kickMember', value: { userId: bob, reason: 'rule 2' } });
    const ban = command({
      case: 'banMember',
      value: { userId: carol, deleteMessageSeconds: 3600, reason: 'selling accounts' },
    });
    const blocked = command({ case: 'timeoutMember', value: { userId: moderator, minutes: 10 } });
    for (const cmd of [timeout, kick, ban, blocked]) await publish(cmd);

    expect(await resultOf(timeout)).toMatchObject({ ok: true, verb: 'timeout', httpStatus: 200 });
    expect(await resultOf(kick)).toMatchObject({ ok: true, verb: 'kick', httpStatus: 204 });
    expect(await resultOf(ban)).toMatchObject({ ok: true, verb: 'ban', httpStatus: 204 });
    const refused = await resultOf(blocked);
    expect(refused).toMatchObject({ ok: false, httpStatus: 403, discordCode: 50013 });
    expect(refused.error).toContain(
      "the bot cannot time out this member (needs Moderate Members and a top role above the member's",
    );

    const members = sandbox.guild(guild.id).members;
    const until = Date.parse(
      members.find((member) => member.user.id === alice)!.communication_disabled_until!,
    );
    expect(until - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(members.map((member) => member.user.id)).not.toContain(bob);
    expect(members.map((member) => member.user.id)).not.toContain(carol);
    expect(sandbox.messages(channelId).map((message) => message.id)).not.toContain(spam.id);
    expect(members.find((member) => member.user.id === moderator)!.communication_disabled_until).toBeNull();

    // A moderator times alice out for a week before a late 10-minute timeout of hers arrives:
    // the week stands. A longer one than what she has still replaces it.
    const week = new Date(Date.now() + 7 * 24 * 60 * 60_000).toISOString();
    const byModerator = await fetch(`${sandbox.apiUrl}/v10/guilds/${guild.id}/members/${alice}`, {
      method: 'PATCH',
      headers: { authorization: `Bot ${app.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ communication_disabled_until: week }),
    });
    expect(byModerator.status).toBe(200);
    const late = command({ case: 'timeoutMember', value: { userId: alice, minutes: 10, reason: 'spam' } });
    await publish(late);
    expect(await resultOf(late)).toMatchObject({ ok: true, verb: 'timeout' });
    const untilOf = () =>
      sandbox.guild(guild.id).members.find((member) => member.user.id === alice)!.communication_disabled_until;
    expect(untilOf()).toBe(week);
    const longer = command({ case: 'timeoutMember', value: { userId: alice, minutes: 14 * 24 * 60 } });
    await publish(longer);
    expect(await resultOf(longer)).toMatchObject({ ok: true, verb: 'timeout' });
    expect(Date.parse(untilOf()!)).toBeGreaterThan(Date.parse(week));
  });

  it('starts a thread from a message with a first message in it, and deletes with an audit-log reason', async () => {
    const channelId = newChannel('threads');
    const dave = sandbox.createMember({ guildId: guild.id, username: 'dave' }).user.id;
    const question = sandbox.postMessage({ channelId, authorId: dave, content: 'long story, need help' });
    const thread = command({
      case: 'startThread',
      value: {
        channelId,
        messageId: question.id,
        name: 'Help for dave',
        firstMessage: { content: 'Let us sort this out here.' },
      },
    });
    await publish(thread);
    const threadResult = await resultOf(thread);
    expect(threadResult).toMatchObject({ ok: true, verb: 'thread' });
    expect(sandbox.messages(question.id)).toEqual([
      expect.objectContaining({ id: threadResult.messageId, content: 'Let us sort this out here.' }),
    ]);

    const removal = command({
      case: 'deleteMessage',
      value: { channelId, messageId: question.id, reason: 'off-topic' },
    });
    await publish(removal);
    expect(await resultOf(removal)).toMatchObject({ ok: true, verb: 'delete', httpStatus: 204 });
    expect(sandbox.messages(channelId)).toEqual([]);
  });

  it('answers in the channel, as a reply to the question, when Discord refuses to open the thread', async () => {
    const channelId = newChannel('no-threads');
    const erin = sandbox.createMember({ guildId: guild.id, username: 'erin' }).user.id;
    const question = sandbox.postMessage({ channelId, authorId: erin, content: 'how do I export my data?' });
    sandbox.failNext({
      method: 'POST',
      route: '/channels/:channelId/messages/:messageId/threads',
      status: 403,
      code: 50013,
      message: 'Missing Permissions',
    });
    const thread = command({
      case: 'startThread',
      value: {
        channelId,
        messageId: question.id,
        name: 'Help for erin',
        firstMessage: { content: 'Settings → Privacy → Export.', continuations: ['It takes a few minutes.'] },
      },
    });
    await publish(thread);

    const result = await resultOf(thread);
    expect(result).toMatchObject({ ok: true, verb: 'thread' });
    expect(() => sandbox.messages(question.id)).toThrow(/unknown channel/); // no thread was opened
    const [reply, continuation] = sandbox.messages(channelId).filter((message) => message.id !== question.id);
    expect(reply).toMatchObject({ id: result.messageId, content: 'Settings → Privacy → Export.' });
    expect(reply!.message_reference?.message_id).toBe(question.id);
    expect(continuation).toMatchObject({ content: 'It takes a few minutes.' });
  });

  it('refuses a command for an application it holds no token for, and one it cannot perform', async () => {
    const stranger = create(DiscordCommandSchema, {
      ...sendTo(newChannel('stranger'), 'hello'),
      applicationId: '100000000000000001',
    });
    const tooLong = sendTo(newChannel('long'), 'x'.repeat(2_001));
    const badParts = command({
      case: 'sendMessage',
      value: { channelId: newChannel('parts'), content: 'Part 1', continuations: ['', 'y'.repeat(2_001)] },
    });
    await publish(stranger);
    await publish(tooLong);
    await publish(badParts);

    expect((await resultOf(stranger)).error).toBe(
      'no bot token for application 100000000000000001: egress holds the token of the platform bot ' +
        '(DISCORD_APPLICATION_ID, DISCORD_BOT_TOKEN) only',
    );
    expect((await resultOf(tooLong)).error).toBe(
      'invalid command: send_message.content is 2001 characters; Discord allows 2000',
    );
    expect((await resultOf(badParts)).error).toBe(
      'invalid command: send_message.continuations[0] must not be empty; ' +
        'send_message.continuations[1] is 2001 characters; Discord allows 2000',
    );
    // All are dead-lettered too, with the same reasons, for whoever inspects DEAD_LETTER.
    await waitFor(async () => (await bus.jsm.streams.info('DEAD_LETTER')).state.messages === 3, {
      message: 'three dead-letter records',
    });
  });
});
