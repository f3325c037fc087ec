import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnProcess, spawnService, serviceReady, typescriptEntryArgs } from './processes.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../test/fixtures/${name}`, import.meta.url));
const opsService = typescriptEntryArgs(fixture('ops-service.ts'));

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited child nobody has reaped yet is not running.
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};

describe('spawnProcess', () => {
  it('starts a TypeScript service, waits for "service ready" and exposes its ops port and logs', async () => {
    const service = await spawnProcess(process.execPath, opsService, {
      name: 'ops-fixture',
      env: { FIXTURE_GREETING: 'hello' },
      ready: serviceReady,
    });
    try {
      expect(service.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${service.opsUrl}/healthz`);
      expect(await response.text()).toBe(`ok ${service.pid}`);
      const ready = service.logs().find((line) => line.json?.msg === 'service ready');
      expect(ready?.json?.greeting).toBe('hello');
    } finally {
      const status = await service.stop();
      expect(status).toEqual({ code: 0, signal: null });
    }
    await service.waitForLog('"msg":"stopping"');
    expect(readFileSync(service.logFile, 'utf8')).toContain('"msg":"service ready"');
  }, 30_000);

  it('restarts a process as a new one that is ready again', async () => {
    const service = await spawnProcess(process.execPath, opsService, { name: 'restart-fixture', ready: serviceReady });
    try {
      const firstPid = service.pid;
      await service.restart();
      expect(service.pid).not.toBe(firstPid);
      expect(isRunning(firstPid)).toBe(false);
      expect(await (await fetch(`${service.opsUrl}/healthz`)).text()).toBe(`ok ${service.pid}`);
      expect(service.logs().filter((line) => line.json?.msg === 'service ready')).toHaveLength(2);
    } finally {
      await service.stop();
    }
  }, 30_000);

  it('reports the output of a process that dies before it is ready', async () => {
    await expect(
      spawnProcess(process.execPath, opsService, { name: 'crashing-fixture', env: { FIXTURE_CRASH: '1' }, ready: serviceReady }),
    ).rejects.toThrow(/crashing-fixture exited \(exit code 3\) before it was ready[\s\S]*fatal: cannot reach the database/);
  }, 30_000);

  it('gives up on a process that never becomes ready', async () => {
    await expect(
      spawnProcess(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { name: 'silent', ready: serviceReady, readyTimeoutMs: 300 }),
    ).rejects.toThrow('silent was not ready within 300 ms');
  });

  it('kills a process that ignores SIGTERM, and what it started, after the grace period', async () => {
    const stubborn = await spawnProcess(process.execPath, [fixture('ignores-sigterm.mjs')], {
      ready: (line) => line.text.startsWith('grandchild '),
    });
    const grandchild = Number((await stubborn.waitForLog('grandchild ')).text.split(' ')[1]);
    expect(isRunning(grandchild)).toBe(true);

    const status = await stubborn.stop(300);

    expect(status.signal).toBe('SIGKILL');
    expect(stubborn.logs().map((line) => line.text)).toContain('ignoring SIGTERM');
    for (let i = 0; i < 50 && isRunning(grandchild); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(grandchild)).toBe(false);
  }, 10_000);
});

describe('spawnService', () => {
  it('names the missing entry point of an unknown service', async () => {
    await expect(spawnService('no-such-service')).rejects.toThrow(/No service named "no-such-service": .*services\/no-such-service\/src\/main\.ts does not exist/);
  });

  it('rejects a name that is not a service folder', async () => {
    await expect(spawnService('../libs')).rejects.toThrow('Invalid service name "../libs"');
  });
});
