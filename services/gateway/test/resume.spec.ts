import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { startDiscordSandbox, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { resetJetStream, spawnService, waitFor, type ManagedProcess } from '@steward/testing';
import type { APIGuildMember } from 'discord-api-types/v10';
import { readEvents } from './helpers.js';

// The gateway as a real process: killed, it resumes its sessions from KV instead of identifying
// again, and what Discord replays is stored once.
describe('gateway: resuming after a restart', () => {
  let sandbox: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let member: APIGuildMember;
  let gateway: ManagedProcess | undefined;
  let bus: Bus;

  const subject = () => `discord.evt.${app.id}.${guild.id}.MESSAGE_CREATE`;
  const copiesOf = async (messageId: string) =>
    (await readEvents((candidate) => candidate === subject())).filter((event) => (event.json as { id: string }).id === messageId).length;
  const storedSequence = async () =>
    (await bus.getJson<{ sequence: number }>(Buckets.gatewaySessions.name, `${app.id}.0`))?.sequence ?? -1;
  const post = (content: string) => sandbox.postMessage({ channelId: guild.generalChannelId, authorId: member.user.id, content });

  beforeAll(async () => {
    await resetJetStream();
    sandbox = await startDiscordSandbox({ identifyIntervalMs: 0 });
    app = sandbox.createApplication({ name: 'Steward' });
    guild = sandbox.createGuild({ name: 'Acme', applicationIds: [app.id] });
    member = sandbox.createMember({ guildId: guild.id, username: 'alice' });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'resume-test' });
    gateway = await spawnService('gateway', {
      env: {
        DISCORD_API_URL: sandbox.apiUrl,
        DISCORD_BOT_TOKEN: app.token,
        DISCORD_APPLICATION_ID: app.id,
        GATEWAY_SHARD_COUNT: '1',
        GATEWAY_IDENTIFY_INTERVAL_MS: '0',
        GATEWAY_SESSION_FLUSH_MS: '100',
        LOG_LEVEL: 'info',
      },
    });
    await gateway.waitForLog('all shards of this application are ready');
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await bus?.drain();
    await sandbox.close();
  });

  it('resumes after SIGKILL and stores the message posted while it was down exactly once', async () => {
    const before = post('before the crash');
    await waitFor(async () => (await copiesOf(before.id)) === 1, { message: 'the first message in the stream' });
    // The crash must come after the session position reached KV, else there is nothing to resume.
    const sequenceAtCrash = await waitFor(
      async () => {
        const sequence = await storedSequence();
        return sequence > 1 ? sequence : undefined;
      },
      { message: 'a stored session' },
    );

    gateway!.kill('SIGKILL');
    await gateway!.exited;
    const during = post('while the gateway is down');
    await gateway!.restart();
    await gateway!.waitForLog((line) => line.json?.msg === 'shard resumed', { timeoutMs: 10_000 });

    await waitFor(() => sandbox.counters(app.id).byShard[0]?.resumes === 1, { message: 'a RESUME', timeoutMs: 10_000 });
    await waitFor(async () => (await copiesOf(during.id)) === 1, { message: 'the message posted while down' });
    expect(sandbox.counters(app.id).byShard[0]).toEqual({ identifies: 1, resumes: 1 });
    expect(await copiesOf(before.id)).toBe(1);
    await waitFor(async () => (await storedSequence()) > sequenceAtCrash, { message: 'the session position moving on' });
  }, 60_000);
});
