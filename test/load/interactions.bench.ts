/**
 * npm run bench:interactions [-- --rate 500 --seconds 30]
 *
 * Signed `/ask` interactions POSTed to `/discord/webhook/` at a fixed rate (open loop: requests
 * go out on schedule whether or not earlier ones have been answered), the way Discord delivers
 * them, against the interactions service running in this process on real NATS (a throwaway
 * server unless NATS_URL is set). Each request is verified (Ed25519 over the raw body),
 * deferred (type 5) and published as `steward.answer.requested`; the ACK latency is the time
 * to that HTTP response, which Discord wants within 3 s. At the end the STEWARD stream must
 * hold one answer request per deferred response.
 */
import { Agent, request as httpRequest } from 'node:http';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Bus } from '@steward/bus';
import { Streams, Subjects } from '@steward/contracts';
import { startService } from '@steward/runtime';
import { interactionsService } from '../../services/interactions/src/service.js';
import {
  currentRssMiB,
  latencySummary,
  numberFlags,
  peakRssMiB,
  report,
  sendAtRate,
  withInfrastructure,
} from './src/bench-kit.js';

const WARM_UP = 200;
const APPLICATION_ID = '900000000000000001';
const GUILD_ID = '900000000000000002';
const CHANNEL_ID = '900000000000000003';

interface DriverInput {
  endpoint: string;
  privateKeyPem: string;
  rate: number;
  seconds: number;
}

interface DriverResult {
  sent: number;
  latencies: number[];
  deferred: number;
  errors: Array<[string, number]>;
  sendingMs: number;
  elapsedMs: number;
}

/** A signed /ask as Discord sends it: Ed25519 over timestamp + raw body, hex encoded. */
function signedAsk(n: number, privateKey: KeyObject): { body: string; headers: Record<string, string> } {
  const id = String(910000000000000000n + BigInt(n + WARM_UP));
  const body = JSON.stringify({
    id,
    application_id: APPLICATION_ID,
    type: 2,
    token: `bench-token-${id}`,
    guild_id: GUILD_ID,
    channel_id: CHANNEL_ID,
    member: {
      user: { id: String(920000000000000000n + BigInt(Math.abs(n) % 1000)), username: 'member' },
      roles: [],
    },
    locale: 'en-US',
    data: {
      id: '1',
      name: 'ask',
      type: 1,
      options: [{ name: 'question', type: 3, value: `How do I reset my password? (${n})` }],
    },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), privateKey).toString('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
  };
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 256 });

/** One POST on a kept-alive connection (lighter on the driver's thread than fetch). */
function postJson(
  endpoint: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(endpoint, { method: 'POST', headers, agent: keepAlive }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * The load driver runs on its own thread, so the service's event loop in the main thread
 * answers requests without sharing its time with the driver's signing and bookkeeping.
 */
async function drive({ endpoint, privateKeyPem, rate, seconds }: DriverInput): Promise<DriverResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  let deferred = 0;
  const privateKey = createPrivateKey(privateKeyPem);
  const inFlight = new Set<Promise<void>>();
  const post = (n: number) => {
    const { body, headers } = signedAsk(n, privateKey);
    const started = performance.now();
    const task = postJson(endpoint, headers, body)
      .then(({ status, text }) => {
        const reply = JSON.parse(text) as { type?: number };
        latencies.push(performance.now() - started);
        if (status === 200 && reply.type === 5) deferred++;
        else {
          const code = `HTTP ${status} type ${String(reply.type)}`;
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
      })
      .catch((error: unknown) => {
        const code =
          error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  // Warm-up (negative numbers): connections, JIT, the bus's publish path.
  for (let n = 1; n <= WARM_UP; n++) post(-n);
  await Promise.all(inFlight);
  latencies.length = 0;
  deferred = 0;
  errors.clear();

  const sent = Math.round(rate * seconds);
  const startedAt = await sendAtRate(sent, rate, post);
  const sendingMs = performance.now() - startedAt;
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - startedAt;
  return { sent, latencies, deferred, errors: [...errors], sendingMs, elapsedMs };
}

function runDriver(input: DriverInput): Promise<DriverResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: input });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load driver exited with code ${code}`)));
  });
}

/** Answer requests stored in the STEWARD stream so far. */
async function storedAnswerRequests(bus: Bus): Promise<number> {
  const info = await bus.jsm.streams.info(Streams.facts.name, { subjects_filter: Subjects.answerRequested });
  return info.state.subjects?.[Subjects.answerRequested] ?? 0;
}

if (!isMainThread) {
  parentPort!.postMessage(await drive(workerData as DriverInput));
} else {
  const flags = numberFlags({ rate: 500, seconds: 30 });
  await withInfrastructure(async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    // The Developer Portal's hex public key is the raw 32 bytes at the end of the SPKI encoding.
    const publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    const service = await startService(interactionsService, {
      NATS_URL: process.env.NATS_URL,
      LOG_LEVEL: 'warn',
      OPS_PORT: '0',
      INTERACTIONS_PORT: '0',
      INTERACTIONS_REGISTER_COMMANDS: '0',
      DISCORD_APPLICATION_ID: APPLICATION_ID,
      DISCORD_PUBLIC_KEY: publicKeyHex,
      STEWARD_LOCAL_TENANT_ID: 'bench-tenant',
    });
    const bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'interactions-bench' });
    try {
      const storedBefore = await storedAnswerRequests(bus);
      const rssBefore = currentRssMiB(process.pid);
      const run = await runDriver({
        endpoint: `${service.httpUrl}/discord/webhook/`,
        privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        rate: flags.rate,
        seconds: flags.seconds,
      });
      const stored = (await storedAnswerRequests(bus)) - storedBefore - WARM_UP;
      const latency = latencySummary(run.latencies);
      const errorCount = run.errors.reduce((sum, [, n]) => sum + n, 0);

      report('interactions: signed /ask → deferred response (type 5) over HTTP, published on NATS', {
        'target rate (req/s)': flags.rate,
        'duration (s)': flags.seconds,
        'requests sent': run.sent,
        'sending took (s)': run.sendingMs / 1000,
        'achieved throughput (responses/s)': (latency.count / run.elapsedMs) * 1000,
        'deferred (type 5)': run.deferred,
        'answer requests published': stored,
        errors: errorCount
          ? `${errorCount} (${run.errors.map(([code, n]) => `${code}: ${n}`).join(', ')})`
          : 0,
        'ACK latency p50 (ms)': latency.p50,
        'ACK latency p95 (ms)': latency.p95,
        'ACK latency p99 (ms)': latency.p99,
        'ACK latency max (ms)': latency.max,
        'service RSS before / peak (MiB)': `${rssBefore?.toFixed(0) ?? '?'} / ${peakRssMiB(process.pid)?.toFixed(0) ?? '?'} (driver thread included)`,
      });
    } finally {
      await bus.drain();
      await service.stop();
    }
  });
}
