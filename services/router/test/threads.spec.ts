/**
 * Threads in the guild directory: published as the gateway publishes Discord's dispatches, and
 * read back through the directory RPCs other services use.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Bus } from '@steward/bus';
import { discordEventSubject } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { createTestDatabase, resetJetStream, type TestDatabase } from '@steward/testing';
import { ChannelType } from 'discord-api-types/v10';
import type { RouterConfig } from '../src/config.js';
import { routerService } from '../src/service.js';
import { routerIdle } from './support.js';

const APP = '120000000000000001';
const BOT = '120000000000000002';
const GUILD = '230000000000000001';
const OWNER = '340000000000000001';
const MEMBER = '340000000000000002';
const GENERAL = '450000000000000001';
const FORUM = '450000000000000002';
const THREAD = '460000000000000001';
const FORUM_POST = '460000000000000002';
const SYNCED_THREAD = '460000000000000003';
const CATEGORY = '450000000000000003';

/** A public thread as Discord sends it: no overwrites of its own, its parent's id. */
function thread(id: string, parentId: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    type: ChannelType.PublicThread,
    guild_id: GUILD,
    parent_id: parentId,
    owner_id: MEMBER,
    name,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    flags: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: 1440,
      archive_timestamp: '2025-05-01T12:00:00.000000+00:00',
      locked: false,
    },
    ...extra,
  };
}

function guildCreate(threads: unknown[]) {
  return {
    id: GUILD,
    name: 'Threads',
    owner_id: OWNER,
    unavailable: false,
    channels: [
      { id: GENERAL, type: ChannelType.GuildText, name: 'general', position: 0, parent_id: null, permission_overwrites: [] },
      { id: FORUM, type: ChannelType.GuildForum, name: 'showcase', position: 1, parent_id: null, permission_overwrites: [] },
    ],
    threads,
    roles: [{ id: GUILD, name: '@everyone', position: 0, permissions: '1071698660929', managed: false }],
    members: [{ user: { id: BOT, username: 'Steward', bot: true }, roles: [] }],
  };
}

describe('router: threads in the guild directory', () => {
  let database: TestDatabase;
  let service: RunningService<RouterConfig>;
  let publisher: Bus;
  let sequence = 0;

  const dispatch = (type: string, data: unknown) =>
    publisher.publishJson(discordEventSubject(APP, GUILD, type), data, { msgId: `${APP}:threads:${++sequence}` });

  const channels = async () =>
    (await publisher.requestJson<{ channels: { id: string }[] }>('rpc.router.directory.guild', { guildId: GUILD })).channels;
  const channelIds = async () => (await channels()).map((channel) => channel.id).sort();

  beforeAll(async () => {
    await resetJetStream();
    database = await createTestDatabase();
    publisher = await Bus.connect({ servers: process.env.NATS_URL!, name: 'router-threads-test' });
    service = await startService(routerService, {
      NATS_URL: process.env.NATS_URL,
      DATABASE_URL: database.url,
      STEWARD_LOCAL_TENANT_ID: 'local-tenant',
      LOG_LEVEL: process.env.ROUTER_TEST_LOG_LEVEL ?? 'silent',
    });
  }, 30_000);

  afterAll(async () => {
    await publisher?.drain();
    await service?.stop();
    await database?.drop();
  });

  it("keeps GUILD_CREATE's active threads as channels with their parent", async () => {
    await dispatch('GUILD_CREATE', guildCreate([thread(THREAD, GENERAL, 'release notes')]));
    await routerIdle(publisher);

    expect((await channels()).find((channel) => channel.id === THREAD)).toEqual({
      id: THREAD,
      name: 'release notes',
      type: ChannelType.PublicThread,
      parentId: GENERAL,
      position: 0,
      permissionOverwrites: [],
    });
  });

  it('follows THREAD_CREATE (a forum post), THREAD_UPDATE, THREAD_LIST_SYNC and THREAD_DELETE', async () => {
    await dispatch('THREAD_CREATE', { ...thread(FORUM_POST, FORUM, 'my build'), newly_created: true });
    await dispatch('THREAD_UPDATE', thread(THREAD, GENERAL, 'release notes v2'));
    await dispatch('THREAD_LIST_SYNC', {
      guild_id: GUILD,
      channel_ids: [GENERAL],
      threads: [thread(SYNCED_THREAD, GENERAL, 'synced')],
      members: [],
    });
    await routerIdle(publisher);
    expect(await channels()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: FORUM_POST, parentId: FORUM, name: 'my build' }),
        expect.objectContaining({ id: THREAD, parentId: GENERAL, name: 'release notes v2' }),
        expect.objectContaining({ id: SYNCED_THREAD, parentId: GENERAL }),
      ]),
    );

    await dispatch('THREAD_DELETE', { id: FORUM_POST, guild_id: GUILD, parent_id: FORUM, type: ChannelType.PublicThread });
    await routerIdle(publisher);
    expect(await channelIds()).toEqual([GENERAL, FORUM, THREAD, SYNCED_THREAD].sort());
  });

  it('drops threads a later GUILD_CREATE no longer lists', async () => {
    await dispatch('GUILD_CREATE', guildCreate([thread(THREAD, GENERAL, 'release notes v2')]));
    await routerIdle(publisher);
    expect(await channelIds()).toEqual([GENERAL, FORUM, THREAD].sort());
  });

  it('never answers a channel name with a thread', async () => {
    await dispatch('THREAD_CREATE', thread(SYNCED_THREAD, GENERAL, 'announcements'));
    await routerIdle(publisher);
    expect(await publisher.requestJson('rpc.router.directory.channel-by-name', { guildId: GUILD, name: 'announcements' })).toEqual({
      channel: null,
    });
  });

  it('says where a thread sits, its channel then that channel’s category, for /ask', async () => {
    const place = (channelId: string) => publisher.requestJson('rpc.router.directory.channel-place', { channelId });
    const category = { id: CATEGORY, type: ChannelType.GuildCategory, guild_id: GUILD, name: 'Community', position: 0, parent_id: null, permission_overwrites: [] };
    await dispatch('CHANNEL_CREATE', category);
    await dispatch('CHANNEL_UPDATE', { id: GENERAL, type: ChannelType.GuildText, guild_id: GUILD, name: 'general', position: 0, parent_id: CATEGORY, permission_overwrites: [] });
    await routerIdle(publisher);

    expect(await place(THREAD)).toEqual({ place: { isThread: true, parentIds: [GENERAL, CATEGORY] } });
    expect(await place(GENERAL)).toEqual({ place: { isThread: false, parentIds: [CATEGORY] } });
    expect(await place('469999999999999999')).toEqual({ place: null });
    await expect(place('general')).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('channelId') });
  });
});
