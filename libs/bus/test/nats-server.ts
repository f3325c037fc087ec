// A throwaway JetStream-enabled nats-server for this project's tests. When NATS_URL is set
// (the workspace test run provides one shared server) that server is used instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsTestServer {
  url: string;
  stop(): Promise<void>;
}

const LISTENING = /Listening for client connections on (\S+:\d+)/;

export async function useNatsServer(): Promise<NatsTestServer> {
  const shared = process.env['NATS_URL'];
  if (shared) return { url: shared, stop: async () => {} };
  return startNatsServer();
}

export async function startNatsServer(): Promise<NatsTestServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'steward-nats-'));
  // `-p -1` lets the server pick a free port, which it reports in its log.
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const hostPort = await waitForListening(child);
    return {
      url: `nats://${hostPort}`,
      async stop() {
        child.kill('SIGTERM');
        await exited;
        await rm(storeDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await rm(storeDir, { recursive: true, force: true });
    throw error;
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = '';
    let listening = false;
    const timer = setTimeout(
      () => reject(new Error(`nats-server did not start within 10 s:\n${log}`)),
      10_000,
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot start nats-server (is it installed?): ${error.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with code ${code}:\n${log}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (listening) return; // keep draining the pipe, stop collecting
      log += chunk.toString();
      const match = LISTENING.exec(log);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}

/** A name no other test (or project sharing the server) uses: streams, buckets, durables. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`.toUpperCase();
}
