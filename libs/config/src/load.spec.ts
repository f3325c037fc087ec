import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, decodeMasterKey, loadConfig, stewardEnv } from './index.js';

describe('configuration', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig(stewardEnv, {});
    expect(config.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.DISCORD_API_URL).toBe('https://discord.com/api');
    expect(config.ADMIN_PORT).toBe(8080);
    expect(config.INTERACTIONS_PORT).toBe(8081);
    expect(config.STEWARD_DATA_DIR).toBe('.data');
    expect(config.STEWARD_LOCAL).toBe(false);
    expect(config.DISCORD_BOT_TOKEN).toBeUndefined();
    expect(config.TRUST_PROXY).toBe(false);
  });

  it('reads the trusted proxies as addresses, ranges or named private ranges, and refuses anything else', () => {
    expect(loadConfig(stewardEnv, { TRUST_PROXY: 'uniquelocal, 10.0.0.0/8,::1, 192.0.2.7' }).TRUST_PROXY).toEqual([
      'uniquelocal',
      '10.0.0.0/8',
      '::1',
      '192.0.2.7',
    ]);
    expect(loadConfig(stewardEnv, { TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig(stewardEnv, { TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    for (const bad of ['1', '10.0.0.0/33', 'ingress.local', '10.0.0.1/8/2'])
      expect(() => loadConfig(stewardEnv, { TRUST_PROXY: bad })).toThrow(/TRUST_PROXY must be false, true, or the proxies/);
  });

  it('names every bad variable on its own line', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig(stewardEnv, { ADMIN_PORT: '99999', DISCORD_PUBLIC_KEY: 'abc', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(3);
    expect(error!.problems.find((p) => p.startsWith('ADMIN_PORT'))).toMatch(/between 0 and 65535 \(got "99999"\)/);
    expect(error!.problems.find((p) => p.startsWith('DISCORD_PUBLIC_KEY'))).toMatch(/64 hexadecimal/);
    // A secret-bearing variable is named, its value is not echoed.
    const database = error!.problems.find((p) => p.startsWith('DATABASE_URL'))!;
    expect(database).toMatch(/postgres:\/\//);
    expect(database).not.toContain('mysql');
  });

  it('refuses a DATABASE_URL that sets session options of its own', () => {
    expect(() =>
      loadConfig(stewardEnv, { DATABASE_URL: 'postgres://u:p@db:5432/steward?options=-c%20search_path%3Dpublic' }),
    ).toThrow(/DATABASE_URL must not set "options"/);
    expect(loadConfig(stewardEnv, { DATABASE_URL: 'postgres://u:p@db:5432/steward?sslmode=require' }).DATABASE_URL).toContain(
      'sslmode=require',
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig(stewardEnv, { DISCORD_BOT_TOKEN: '', SMTP_URL: '' }).SMTP_URL).toBeUndefined();
  });

  it('accepts a master key as hex or base64, and nothing else', () => {
    expect(decodeMasterKey('ab'.repeat(32))).toHaveLength(32);
    expect(decodeMasterKey(Buffer.alloc(32, 7).toString('base64'))).toHaveLength(32);
    expect(decodeMasterKey('short')).toBeNull();
    expect(() => loadConfig(stewardEnv, { STEWARD_MASTER_KEY: 'short' })).toThrow(/STEWARD_MASTER_KEY must be 32 bytes/);
  });

  it('exits with one line per problem and no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-config-'));
    const script = join(dir, 'main.ts');
    writeFileSync(
      script,
      `import { loadConfigOrExit, stewardEnv } from ${JSON.stringify(resolve(import.meta.dirname, 'index.ts'))};\n` +
        `loadConfigOrExit(stewardEnv, 'router');\n`,
    );
    const run = spawnSync(process.execPath, ['--import', '@swc-node/register/esm-register', script], {
      env: { ...process.env, NATS_URL: 'http://nope', OPS_PORT: 'x' },
      encoding: 'utf8',
      cwd: resolve(import.meta.dirname, '../../..'),
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^router: configuration error: NATS_URL must be nats:\/\/host:port/),
      expect.stringMatching(/^router: configuration error: OPS_PORT must be a port number \(got "x"\)$/),
    ]);
  });
});
