import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
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
    await bus.putJson(Buckets.configGuilds.name, GUILD, { guildId: GUILD, tenantId: 'acme', applicationId: APP });
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
      expect(local.get('323456789012345678', APP)).toMatchObject({ tenantId: 'local-tenant', applicationId: APP });
      expect(hosted.get('323456789012345678', APP)).toBeUndefined();
    } finally {
      local.close();
      hosted.close();
    }
  });

  it('skips an entry that is not a valid configuration', async () => {
    const warnings: unknown[] = [];
    await bus.putJson(Buckets.configGuilds.name, '423456789012345678', { guildId: 'nope' });
    const store = await GuildConfigStore.open(bus, { logger: { warn: (o: unknown) => warnings.push(o), debug: () => {} } as never });
    try {
      expect(store.get('423456789012345678')).toBeUndefined();
      expect(warnings).toHaveLength(1);
    } finally {
      store.close();
    }
  });
});
