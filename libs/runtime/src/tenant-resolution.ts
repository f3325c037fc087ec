import { DEFAULT_GUILD_SETTINGS, type GuildConfig, type GuildSettings } from '@steward/contracts';

export type TenantResolution =
  | { kind: 'tenant'; tenantId: string; settings: GuildSettings; source: 'config' | 'local' }
  /** The guild is configured for another bot application (a tenant's own bot serves it). */
  | { kind: 'other_application'; servedBy: string }
  /** No tenant connected the guild. */
  | { kind: 'unmapped' };

/**
 * Which tenant a guild belongs to, as seen by one bot application: its `config-guilds`
 * entry, else the local tenant (local mode owns every guild), else nobody.
 */
export function resolveTenant(
  entry: GuildConfig | undefined,
  applicationId: string,
  localTenantId: string | undefined,
): TenantResolution {
  if (entry) {
    if (entry.applicationId !== applicationId)
      return { kind: 'other_application', servedBy: entry.applicationId };
    return { kind: 'tenant', tenantId: entry.tenantId, settings: entry.settings, source: 'config' };
  }
  if (localTenantId)
    return { kind: 'tenant', tenantId: localTenantId, settings: DEFAULT_GUILD_SETTINGS, source: 'local' };
  return { kind: 'unmapped' };
}
