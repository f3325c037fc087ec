import { randomBytes } from 'node:crypto';
import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { resetJetStream, waitFor } from '@steward/testing';
import {
  BotApplications,
  botApplicationEntry,
  sealBotApplication,
  type BotApplication,
} from '../src/bot-applications.js';
import { SecretBox } from '../src/secret-box.js';

/** KV `config-apps` read through a real NATS server, as gateway, interactions and egress read it. */
describe('BotApplications', () => {
  let bus: Bus;
  const box = new SecretBox(randomBytes(32));
  const app = (n: number): BotApplication => ({
    applicationId: `31000000000000000${n}`,
    tenantId: 'tenant-a',
    publicKey: 'ab'.repeat(32),
    botUserId: `32000000000000000${n}`,
    token: `token-${n}-${randomBytes(16).toString('hex')}`,
  });

  beforeAll(async () => {
    await resetJetStream();
    bus = await Bus.connect({ servers: process.env.NATS_URL!, name: 'secrets-test' });
    await bus.ensureBuckets([Buckets.configApps]);
  });

  afterAll(async () => {
    await bus?.drain();
  });

  it('opens the snapshot, follows puts and deletes, and skips entries it cannot open', async () => {
    const first = app(1);
    await bus.putJson(Buckets.configApps.name, first.applicationId, sealBotApplication(box, first));
    // Sealed under a master key this service does not hold.
    const foreign = app(2);
    await bus.putJson(
      Buckets.configApps.name,
      foreign.applicationId,
      sealBotApplication(new SecretBox(randomBytes(32)), foreign),
    );

    const changes: Array<[string, string | undefined]> = [];
    const warnings: Array<{ object: object; message: string }> = [];
    const store = await BotApplications.open(bus, {
      secrets: box,
      logger: { warn: (object, message) => warnings.push({ object, message }) },
      onChange: (id, application) => changes.push([id, application?.token]),
    });
    try {
      expect(store.get(first.applicationId)).toEqual(first);
      expect(store.get(foreign.applicationId)).toBeUndefined();
      expect(changes).toEqual([[first.applicationId, first.token]]);
      expect(warnings).toHaveLength(1);
      expect(JSON.stringify(warnings)).toMatch(/does not open/);
      expect(JSON.stringify(warnings)).not.toContain(foreign.token);

      const third = app(3);
      const entry = sealBotApplication(box, third);
      expect(botApplicationEntry.parse(entry)).toEqual(entry);
      expect(JSON.stringify(entry)).not.toContain(third.token);
      await bus.putJson(Buckets.configApps.name, third.applicationId, entry);
      await waitFor(() => store.get(third.applicationId)?.token === third.token, { timeoutMs: 5_000 });

      await (await bus.kv(Buckets.configApps.name)).delete(first.applicationId);
      await waitFor(() => store.get(first.applicationId) === undefined, { timeoutMs: 5_000 });
      expect(store.all().map((a) => a.applicationId)).toEqual([third.applicationId]);
      expect(changes).toEqual([
        [first.applicationId, first.token],
        [third.applicationId, third.token],
        [first.applicationId, undefined],
      ]);
    } finally {
      store.close();
    }
  });

  it('without a master key, skips every tenant bot with a clear warning', async () => {
    const warnings: string[] = [];
    const store = await BotApplications.open(bus, {
      secrets: undefined,
      logger: { warn: (_object, message) => warnings.push(message) },
    });
    store.close();
    expect(store.all()).toEqual([]);
    expect(warnings[0]).toMatch(/STEWARD_MASTER_KEY is not set/);
  });
});
