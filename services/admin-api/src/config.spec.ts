import { loadConfig } from '@steward/config';
import { adminApiEnv } from './config.js';

describe('admin-api configuration', () => {
  it('needs no local tenant, and a tenant id for a local key or login', () => {
    expect(loadConfig(adminApiEnv, {}).STEWARD_LOCAL_TENANT_ID).toBeUndefined();
    expect(() => loadConfig(adminApiEnv, { STEWARD_LOCAL_API_KEY: `stw_${'k'.repeat(32)}` })).toThrow(
      /STEWARD_LOCAL_TENANT_ID is required with STEWARD_LOCAL_API_KEY or STEWARD_LOCAL_ADMIN_EMAIL \(not set\)/,
    );
  });

  it('names every bad local-tenant variable without echoing secrets', () => {
    expect(() =>
      loadConfig(adminApiEnv, {
        STEWARD_LOCAL_TENANT_ID: 'local',
        STEWARD_LOCAL_API_KEY: 'stw_short-secret',
        STEWARD_LOCAL_ADMIN_EMAIL: 'admin@example.com',
      }),
    ).toThrow(
      [
        'invalid configuration:',
        '  STEWARD_LOCAL_TENANT_ID must be a UUID (got "local")',
        '  STEWARD_LOCAL_API_KEY must be "stw_" followed by at least 32 URL-safe characters (A-Z a-z 0-9 _ -) (value hidden)',
      ].join('\n'),
    );
  });

  it('wants the owner email and password together', () => {
    expect(() => loadConfig(adminApiEnv, { STEWARD_LOCAL_ADMIN_EMAIL: 'admin@example.com' })).toThrow(
      /STEWARD_LOCAL_ADMIN_PASSWORD is required with STEWARD_LOCAL_ADMIN_EMAIL/,
    );
  });
});
