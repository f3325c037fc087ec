import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import type { Logger } from '@steward/telemetry';
import { resetJetStream, waitFor } from '@steward/testing';
import { GuildConfigStore } from './guild-config-store.js';

const GUILD = '123456789012345678';
const APP = '223456789012345678';

describe('guild configuration store', () => {
  let bus: Bus;
  beforeAll(async () => {
    await resetJetStream(process.env.NATS_URL!);
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'config-store-test' });
    await bus.ensureBuckets([Buckets.configGuilds]);
  });
  afterAll(() => bus.drain());

  it('loads what was published before it opened and follows later changes', async () => {
    await bus.putJson(Buckets.configGuilds.name, GUILD, {
      guildId: GUILD,
      tenantId: 'acme',
      applicationId: APP,
    });
    const store = await GuildConfigStore.open(bus);
    try {
      expect(store.get(GUILD)?.tenantId).toBe('acme');
      expect(store.get(GUILD)?.settings.responseMode).toBe('mention');

      await bus.putJson(Buckets.configGuilds.name, GUILD, {
        guildId: GUILD,
        tenantId: 'acme',
        applicationId: APP,
        settings: { responseMode: 'all' },
      });
      await waitFor(() => store.get(GUILD)?.settings.responseMode === 'all');

      await (await bus.kv(Buckets.configGuilds.name)).delete(GUILD);
      await waitFor(() => store.get(GUILD) === undefined);
    } finally {
      store.close();
    }
  });

  it('gives unconfigured guilds to the local tenant in local mode only', async () => {
    const local = await GuildConfigStore.open(bus, { localTenantId: 'local-tenant' });
    const hosted = await GuildConfigStore.open(bus);
    try {
      expect(local.get('323456789012345678', APP)).toMatchObject({
        tenantId: 'local-tenant',
        applicationId: APP,
      });
      expect(hosted.get('323456789012345678', APP)).toBeUndefined();
    } finally {
      local.close();
      hosted.close();
    }
  });

  it('skips an entry that is not a valid configuration', async () => {
    const warnings: unknown[] = [];
    await bus.putJson(Buckets.configGuilds.name, '423456789012345678', { guildId: 'nope' });
    const store = await GuildConfigStore.open(bus, {
      logger: { warn: (o: unknown) => warnings.push(o), info: () => {}, debug: () => {} } as never,
    });
    try {
      expect(store.get('423456789012345678')).toBeUndefined();
      expect(warnings).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('keeps the previous configuration when an update is not JSON, invalid, or names another guild', async () => {
    const guildId = '523456789012345678';
    const barrier = '533456789012345678';
    await bus.putJson(Buckets.configGuilds.name, guildId, { guildId, tenantId: 'acme', applicationId: APP });
    const store = await GuildConfigStore.open(bus);
    try {
      const kv = await bus.kv(Buckets.configGuilds.name);
      await kv.put(guildId, 'not json');
      await bus.putJson(Buckets.configGuilds.name, guildId, {
        guildId,
        tenantId: 'acme',
        applicationId: 'nope',
      });
      await bus.putJson(Buckets.configGuilds.name, guildId, {
        guildId: GUILD,
        tenantId: 'mallory',
        applicationId: APP,
      });
      // Changes arrive in order: once a later one is in, the three before it were handled.
      await bus.putJson(Buckets.configGuilds.name, barrier, {
        guildId: barrier,
        tenantId: 'beta',
        applicationId: APP,
      });
      await waitFor(() => store.get(barrier) !== undefined);
      expect(store.get(guildId)).toMatchObject({ guildId, tenantId: 'acme', applicationId: APP });
    } finally {
      store.close();
    }
  });

  it('leaves a guild another bot serves to that bot, also in local mode', async () => {
    const guildId = '623456789012345678';
    const tenantBot = '723456789012345678';
    await bus.putJson(Buckets.configGuilds.name, guildId, {
      guildId,
      tenantId: 'acme',
      applicationId: tenantBot,
    });
    const store = await GuildConfigStore.open(bus, { localTenantId: 'local-tenant' });
    try {
      expect(store.resolve(guildId, APP)).toEqual({ kind: 'other_application', servedBy: tenantBot });
      expect(store.resolve(guildId, tenantBot)).toMatchObject({
        kind: 'tenant',
        tenantId: 'acme',
        source: 'config',
      });
    } finally {
      store.close();
    }
  });
});

interface Logged {
  level: 'info' | 'debug' | 'warn';
  msg: string;
  fields: Record<string, unknown>;
}

/** What an operator reads in a service's log about guild settings. */
describe('guild configuration as the services log it', () => {
  const SAVED_BEFORE_START = '220000000000000001';
  const LINKED_LATER = '220000000000000002';
  let bus: Bus;
  let store: GuildConfigStore;
  const logged: Logged[] = [];
  const record =
    (level: Logged['level']) =>
    (fields: Record<string, unknown>, msg: string): void => {
      logged.push({ level, msg, fields });
    };
  const logger = { info: record('info'), debug: record('debug'), warn: record('warn') } as unknown as Logger;

  const save = (guildId: string, tenantId: string, settings: Record<string, unknown> = {}) =>
    bus.putJson(Buckets.configGuilds.name, guildId, { guildId, tenantId, applicationId: APP, settings });
  /** The line logged for a revision, once the store has applied it. */
  const lineFor = (revision: number) =>
    waitFor(() => logged.find((line) => line.fields.revision === revision), {
      timeoutMs: 5_000,
      message: `a log line for revision ${revision}`,
    });

  beforeAll(async () => {
    await resetJetStream();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'guild-config-log-test' });
    await bus.ensureBuckets([Buckets.configGuilds]);
    await save(SAVED_BEFORE_START, 'acme');
    store = await GuildConfigStore.open(bus, { logger });
  });

  afterAll(async () => {
    store?.close();
    await bus?.drain();
  });

  it('loads the settings saved before it started quietly, at debug', () => {
    expect(logged.filter((line) => line.fields.guildId === SAVED_BEFORE_START)).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'guild configuration loaded' }),
    ]);
    expect(store.resolve(SAVED_BEFORE_START, APP)).toMatchObject({ tenantId: 'acme' });
  });

  it('logs a change made while it runs at info, with the guild and the revision', async () => {
    const linked = await save(LINKED_LATER, 'beta');
    expect(await lineFor(linked)).toEqual({
      level: 'info',
      msg: 'guild configuration changed',
      fields: { guildId: LINKED_LATER, tenantId: 'beta', revision: linked },
    });
    const changed = await save(SAVED_BEFORE_START, 'acme', { responseMode: 'all' });
    expect(await lineFor(changed)).toMatchObject({ level: 'info', msg: 'guild configuration changed' });
  });

  it('keeps a rewrite of the same settings (admin-api republishing at start) at debug', async () => {
    const rewritten = await save(SAVED_BEFORE_START, 'acme', { responseMode: 'all' });
    expect(await lineFor(rewritten)).toMatchObject({ level: 'debug', msg: 'guild configuration loaded' });
  });

  it('logs a guild unlinked while it runs at info', async () => {
    const kv = await bus.kv(Buckets.configGuilds.name);
    await kv.delete(LINKED_LATER);
    const line = await waitFor(
      () => logged.find((l) => l.fields.guildId === LINKED_LATER && l.msg === 'guild configuration removed'),
      { timeoutMs: 5_000, message: 'the removal logged' },
    );
    expect(line.level).toBe('info');
  });

  it('warned about nothing meanwhile (the watch never ended by itself)', () => {
    expect(logged.filter((line) => line.level === 'warn')).toEqual([]);
  });
});
