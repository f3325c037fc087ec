import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import type { Logger } from '@steward/telemetry';
import { resetJetStream, waitFor } from '@steward/testing';
import type { RouterConfig } from '../src/config.js';
import { GuildConfigs } from '../src/tenants/guild-configs.js';

const APP = '110000000000000001';
const SAVED_BEFORE_START = '220000000000000001';
const LINKED_LATER = '220000000000000002';

interface Logged {
  level: 'info' | 'debug' | 'warn';
  msg: string;
  fields: Record<string, unknown>;
}

/** What an operator reads in the router's log about guild settings, against the real KV bucket. */
describe('guild configuration as the router logs it', () => {
  let bus: Bus;
  let configs: GuildConfigs;
  const logged: Logged[] = [];
  const record =
    (level: Logged['level']) =>
    (fields: Record<string, unknown>, msg: string): void => {
      logged.push({ level, msg, fields });
    };
  const logger = { info: record('info'), debug: record('debug'), warn: record('warn') } as unknown as Logger;

  const save = (guildId: string, tenantId: string, settings: Record<string, unknown> = {}) =>
    bus.putJson(Buckets.configGuilds.name, guildId, { guildId, tenantId, applicationId: APP, settings });
  /** The line logged for a revision, once the router has applied it. */
  const lineFor = (revision: number) =>
    waitFor(() => logged.find((line) => line.fields.revision === revision), {
      timeoutMs: 5_000,
      message: `a log line for revision ${revision}`,
    });

  beforeAll(async () => {
    await resetJetStream();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'guild-configs-test' });
    await bus.ensureBuckets([Buckets.configGuilds]);
    await save(SAVED_BEFORE_START, 'acme');
    configs = new GuildConfigs(bus, { STEWARD_LOCAL_TENANT_ID: undefined } as RouterConfig, logger);
    configs.onModuleInit();
    await configs.ready();
  });

  afterAll(async () => {
    await configs?.onModuleDestroy();
    await bus?.drain();
  });

  it('loads the settings saved before it started quietly, at debug', async () => {
    expect(logged.filter((line) => line.fields.guildId === SAVED_BEFORE_START)).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'guild configuration loaded' }),
    ]);
    expect(configs.resolve(SAVED_BEFORE_START, APP)).toMatchObject({ tenantId: 'acme' });
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
});
