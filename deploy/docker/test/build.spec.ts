// The production build, without Docker: the Dockerfile runs build.mjs, so what passes here is
// what the image contains. One build for the whole file; each test checks one promise of it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createTestDatabase,
  spawnProcess,
  workspaceRoot,
  type ManagedProcess,
  type TestDatabase,
} from '@steward/testing';
import { build, runNode, smokeTest } from '../build.mjs';

const sourceServices = readdirSync(path.join(workspaceRoot, 'services'))
  .filter((name) => existsSync(path.join(workspaceRoot, 'services', name, 'src', 'main.ts')))
  .sort();

let outDir: string;
const started: ManagedProcess[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  outDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'steward-build-')), 'app');
  await build({ outDir });
}, 180_000);

afterAll(async () => {
  await Promise.all(started.map((process) => process.stop()));
  await Promise.all(databases.map((database) => database.drop()));
  if (outDir) rmSync(path.dirname(outDir), { recursive: true, force: true });
});

describe('production build', () => {
  it('compiles every service to an entry point under services/<name>/src/main.js', () => {
    expect(sourceServices.length).toBeGreaterThan(0);
    for (const service of sourceServices)
      expect(existsSync(path.join(outDir, 'services', service, 'src', 'main.js'))).toBe(true);
    expect(
      readdirSync(path.join(outDir, 'libs', 'runtime', 'src')).some((name) => name.endsWith('.ts')),
    ).toBe(false);
  });

  it('points the workspace packages at the compiled files', () => {
    const runtime = JSON.parse(
      readFileSync(path.join(outDir, 'node_modules', '@steward', 'runtime', 'package.json'), 'utf8'),
    );
    expect(runtime.exports).toEqual({ '.': './src/index.js' });
    expect(runtime.scripts).toBeUndefined();
  });

  it('ships production dependencies only', () => {
    const modules = path.join(outDir, 'node_modules');
    for (const runtimeDependency of ['@nestjs/core', '@nats-io/jetstream', 'pg', 'pino']) {
      expect(existsSync(path.join(modules, runtimeDependency, 'package.json'))).toBe(true);
    }
    for (const devDependency of ['jest', '@swc/core', 'nx', 'eslint', '@swc-node/register']) {
      expect(existsSync(path.join(modules, devDependency))).toBe(false);
    }
  });

  // `node build.mjs` smoke-tests every service; here a representative pair keeps the suite lean:
  // the admin API (the largest module graph, with the UI) and the answer service (AI engines).
  it('loads compiled services, which reject a bad environment with their configuration error and exit code 1', async () => {
    const checked = await smokeTest(outDir, { services: ['answer', 'admin-api'] });
    expect(checked).toEqual(['admin-api', 'answer']);
  }, 90_000);

  it('refuses to smoke-test a service the build does not contain', async () => {
    await expect(smokeTest(outDir, { services: ['no-such-service'] })).rejects.toThrow(
      'smoke test: not in the build: no-such-service',
    );
  });

  it('runs the compiled egress against NATS until it is ready and serves its ops endpoints', async () => {
    const egress = await spawnProcess(
      process.execPath,
      [path.join(outDir, 'services', 'egress', 'src', 'main.js')],
      {
        name: 'egress-compiled',
        cwd: outDir,
        env: {
          NODE_ENV: 'production',
          OPS_PORT: '0',
          NATS_URL: process.env.NATS_URL,
          STEWARD_DATA_DIR: path.join(outDir, 'data'),
        },
        ready: (line) => line.json?.msg === 'service ready',
        readyTimeoutMs: 60_000,
      },
    );
    started.push(egress);
    const ready = egress.logs().find((line) => line.json?.msg === 'service ready')!;
    const opsPort = ready.json!.opsPort;
    expect(typeof opsPort).toBe('number');
    const health = await fetch(`http://127.0.0.1:${opsPort}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    // SIGTERM (what tini forwards from Kubernetes) stops it cleanly.
    expect(await egress.stop(20_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('migrates every service schema with the shipped migration runner', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const runner = path.join(outDir, 'deploy', 'docker', 'src', 'migrate-all.js');
    const first = await runNode(runner, { env: { DATABASE_URL: database.url }, cwd: outDir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const withSchema = sourceServices.filter((service) =>
      existsSync(path.join(workspaceRoot, 'services', service, 'src', 'database.ts')),
    );
    expect(withSchema.length).toBeGreaterThan(0);
    for (const service of withSchema) expect(first.stdout).toMatch(new RegExp(`^${service}: applied `, 'm'));

    const again = await runNode(runner, { env: { DATABASE_URL: database.url }, cwd: outDir });
    expect(again.code).toBe(0);
    for (const service of withSchema)
      expect(again.stdout).toMatch(new RegExp(`^${service}: schema is up to date`, 'm'));
  }, 90_000);

  it('refuses to migrate without DATABASE_URL, in one line', async () => {
    const result = await runNode(path.join(outDir, 'deploy', 'docker', 'src', 'migrate-all.js'), {
      cwd: outDir,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'migrate: DATABASE_URL is required (postgres://user:password@host:5432/steward)\n',
    );
  });
});
