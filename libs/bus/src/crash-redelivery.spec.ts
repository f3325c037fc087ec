import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bus } from './bus.js';
import type { BusMessage } from './message.js';
import { eventually, sleep } from '../test/eventually.js';
import { uniqueName, useNatsServer, type NatsTestServer } from '../test/nats-server.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
let server: NatsTestServer;
let bus: Bus;

beforeAll(async () => {
  server = await useNatsServer();
  bus = await Bus.connect({ servers: server.url, name: 'crash-spec' });
});

afterAll(async () => {
  await bus?.drain();
  await server?.stop();
});

it('redelivers a message whose consumer was killed before acking, and a replay adds no duplicate', async () => {
  const stream = uniqueName('S');
  const prefix = stream.toLowerCase();
  await bus.ensureStreams([
    { name: stream, subjects: [`${prefix}.>`], retention: 'limits', duplicateWindowMs: 60_000 },
  ]);
  const published = await bus.publish(`${prefix}.evt`, 'order-1', { msgId: 'order-1' });

  const child = spawn(
    process.execPath,
    [
      '--import',
      '@swc-node/register/esm-register',
      'test/fixtures/hanging-consumer.ts',
      server.url,
      stream,
      'worker',
    ],
    { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await eventually(() => output.includes(`received ${published.seq} order-1`), {
      timeoutMs: 20_000,
      what: `delivery to the child:\n${output}`,
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }

  const handled: BusMessage[] = [];
  const consumer = await bus.consume({ stream, durable: 'worker', ackWaitMs: 1_000 }, (message) => {
    handled.push(message);
  });
  const [redelivered] = await eventually(() => handled.length === 1 && handled, { what: 'the redelivery' });
  expect(redelivered!.string()).toBe('order-1');
  expect(redelivered!.streamSequence).toBe(published.seq);
  expect(redelivered!.deliveryCount).toBe(2);

  // The producer replays the same message (say, after its own restart): stored once.
  const replay = await bus.publish(`${prefix}.evt`, 'order-1', { msgId: 'order-1' });
  expect(replay.duplicate).toBe(true);
  await bus.publish(`${prefix}.evt`, 'order-2', { msgId: 'order-2' });
  await eventually(() => handled.length === 2, { what: 'the next message' });
  await sleep(200);
  await consumer.stop();
  expect(handled.map((message) => message.string())).toEqual(['order-1', 'order-2']);
  expect((await bus.jsm.streams.info(stream)).state.messages).toBe(2);
}, 30_000); // the child process compiles TypeScript on start
