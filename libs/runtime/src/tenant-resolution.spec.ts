import { DEFAULT_GUILD_SETTINGS, guildConfig } from '@steward/contracts';
import { resolveTenant } from './tenant-resolution.js';

const APP = '111111111111111111';
const entry = guildConfig.parse({
  guildId: '222222222222222222',
  tenantId: 'acme',
  applicationId: APP,
  settings: { responseMode: 'ask' },
});

describe('resolveTenant', () => {
  it("uses the guild's config-guilds entry, settings included", () => {
    expect(resolveTenant(entry, APP, 'local')).toEqual({
      kind: 'tenant',
      tenantId: 'acme',
      settings: expect.objectContaining({ responseMode: 'ask', smartMode: true }),
      source: 'config',
    });
  });

  it('leaves a guild configured for another bot to that bot', () => {
    expect(resolveTenant(entry, '333333333333333333', 'local')).toEqual({
      kind: 'other_application',
      servedBy: APP,
    });
  });

  it('gives a guild without an entry to the local tenant in local mode, with default settings', () => {
    expect(resolveTenant(undefined, APP, 'local')).toEqual({
      kind: 'tenant',
      tenantId: 'local',
      settings: DEFAULT_GUILD_SETTINGS,
      source: 'local',
    });
  });

  it('ignores a guild without an entry when there is no local tenant', () => {
    expect(resolveTenant(undefined, APP, undefined)).toEqual({ kind: 'unmapped' });
  });
});
