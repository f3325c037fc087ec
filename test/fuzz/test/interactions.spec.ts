/**
 * The interactions endpoint is open to the internet. Whatever arrives — any body, any headers,
 * any signature — an unsigned or wrongly signed request is never accepted (never a 2xx, never
 * queued), and no request makes it fail with a 5xx.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Bus, type ConsumerHandle } from '@steward/bus';
import { AnswerRequestedSchema, decode, Streams } from '@steward/contracts';
import { startService, type RunningService } from '@steward/runtime';
import { startDiscordSandbox, type ApplicationCredentials, type DiscordSandbox, type GuildSnapshot } from '@steward/sandbox';
import { resetJetStream, waitFor } from '@steward/testing';
import fc from 'fast-check';
import { interactionsService } from '../../../services/interactions/src/service.js';
import { discordSnowflake, hostileString, jsonBody } from '../src/arbitraries.js';
import { fuzzParameters } from '../src/fuzz-config.js';

const UNSIGNED_MARK = 'unsigned-question-';

describe('fuzzing POST /discord/webhook/', () => {
  let discord: DiscordSandbox;
  let app: ApplicationCredentials;
  let guild: GuildSnapshot;
  let service: RunningService<unknown>;
  let bus: Bus;
  let consumer: ConsumerHandle;
  const queuedQuestions: string[] = [];
  const strangerKey: KeyObject = generateKeyPairSync('ed25519').privateKey;

  beforeAll(async () => {
    await resetJetStream(process.env.NATS_URL!);
    discord = await startDiscordSandbox();
    app = discord.createApplication({ name: 'Steward' });
    guild = discord.createGuild({ name: 'Acme', applicationIds: [app.id] });
    service = await startService(interactionsService, {
      NATS_URL: process.env.NATS_URL,
      LOG_LEVEL: 'silent',
      INTERACTIONS_PORT: '0',
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_BOT_TOKEN: app.token,
      DISCORD_APPLICATION_ID: app.id,
      DISCORD_PUBLIC_KEY: app.publicKey,
      STEWARD_LOCAL_TENANT_ID: 'tenant-fuzz',
    });
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'fuzz-interactions' });
    consumer = await bus.consume(
      { stream: Streams.facts.name, durable: 'fuzz-requested', filterSubjects: ['steward.answer.requested'] },
      (message) => void queuedQuestions.push(decode(AnswerRequestedSchema, message.data).question),
    );
  });

  afterAll(async () => {
    await consumer?.stop();
    await bus?.drain();
    await service?.stop();
    await discord?.close();
  });

  const endpoint = () => `${service.httpUrl}/discord/webhook/`;
  const now = () => String(Math.floor(Date.now() / 1000));

  /** An /ask interaction as Discord would send it, with some fields possibly replaced by garbage. */
  const askInteraction = (question: string) =>
    fc.record(
      {
        id: fc.oneof(fc.constant('100000000000000123'), discordSnowflake()),
        application_id: fc.oneof(fc.constant(app.id), discordSnowflake()),
        type: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), fc.integer(), jsonBody()),
        token: fc.oneof(fc.constant('interaction-token'), hostileString()),
        guild_id: fc.oneof(fc.constant(guild.id), discordSnowflake()),
        channel_id: fc.oneof(fc.constant(guild.generalChannelId), discordSnowflake()),
        member: fc.oneof(fc.constant({ user: { id: '100000000000000777', username: 'mallory' }, roles: [] }), jsonBody()),
        data: fc.oneof(
          fc.constant({ name: 'ask', type: 1, options: [{ name: 'question', type: 3, value: question }] }),
          fc.record({ name: hostileString(), options: fc.array(fc.record({ name: hostileString(), type: fc.integer(), value: jsonBody() }), { maxLength: 3 }) }),
          jsonBody(),
        ),
      },
      { requiredKeys: [] },
    );

  async function post(body: string, headers: Record<string, string>) {
    const response = await fetch(endpoint(), { method: 'POST', headers, body });
    const text = await response.text();
    return { status: response.status, text };
  }

  it('never accepts a request that is not signed by the application, whatever its body and headers', async () => {
    let counter = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          askInteraction('').map((body) => JSON.stringify(body)),
          jsonBody().map((body) => JSON.stringify(body) ?? 'null'),
          fc.string({ maxLength: 200 }),
        ),
        fc.constantFrom('missing', 'random-hex', 'garbage', 'stranger-key', 'other-body', 'stale', 'future'),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''),
        hostileString(),
        async (template, signatureKind, contentType, garbage) => {
          // Mark every would-be question so anything queued from here is found afterwards.
          const body = template.replace('"value":""', `"value":"${UNSIGNED_MARK}${++counter}"`);
          const timestamp = signatureKind === 'stale' ? String(Number(now()) - 3_600) : signatureKind === 'future' ? String(Number(now()) + 3_600) : now();
          const signed = (key: KeyObject, payload: string) => sign(null, Buffer.from(timestamp + payload), key).toString('hex');
          const headers: Record<string, string> = { 'x-signature-timestamp': timestamp };
          if (contentType) headers['content-type'] = contentType;
          if (signatureKind === 'random-hex') headers['x-signature-ed25519'] = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + counter) % 256)).toString('hex');
          if (signatureKind === 'garbage') headers['x-signature-ed25519'] = encodeURIComponent(garbage).slice(0, 500);
          if (signatureKind === 'stranger-key') headers['x-signature-ed25519'] = signed(strangerKey, body);
          if (signatureKind === 'other-body') headers['x-signature-ed25519'] = signed(app.privateKey, `${body} `);
          if (signatureKind === 'stale' || signatureKind === 'future') headers['x-signature-ed25519'] = signed(app.privateKey, body);
          const { status, text } = await post(body, headers);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status < 400 || status >= 500) throw new Error(`${signatureKind} request answered ${status}: ${text.slice(0, 200)}`);
        },
      ),
      fuzzParameters('unsigned or forged interactions', 150),
    );
    // Give a wrongly accepted request the time to reach the stream before looking.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(queuedQuestions.filter((question) => question.startsWith(UNSIGNED_MARK))).toEqual([]);
    expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
  });

  it('answers every correctly signed request, whatever its body, without a 5xx', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(askInteraction('a fuzzed question').map((body) => JSON.stringify(body)), jsonBody().map((body) => JSON.stringify(body) ?? 'null')),
        async (body) => {
          const timestamp = now();
          const signature = sign(null, Buffer.from(timestamp + body), app.privateKey).toString('hex');
          const { status, text } = await post(body, { 'content-type': 'application/json', 'x-signature-timestamp': timestamp, 'x-signature-ed25519': signature });
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status >= 500) throw new Error(`signed request answered ${status}: ${text.slice(0, 200)}`);
        },
      ),
      fuzzParameters('signed random interactions', 150),
    );
    // Some bodies were valid interactions and some were refused: both paths were exercised.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    // And the endpoint still works afterwards.
    const ping = JSON.stringify({ id: '100000000000000001', application_id: app.id, type: 1, token: 't' });
    const timestamp = now();
    const pong = await post(ping, { 'content-type': 'application/json', 'x-signature-timestamp': timestamp, 'x-signature-ed25519': sign(null, Buffer.from(timestamp + ping), app.privateKey).toString('hex') });
    expect(pong).toEqual({ status: 200, text: '{"type":1}' });
    await waitFor(async () => (await fetch(`${service.ops.url}/readyz`)).status === 200, { timeoutMs: 2_000 });
  });
});
