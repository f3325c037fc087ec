import { Injectable } from '@nestjs/common';
import { Bus } from '@steward/bus';
import { Buckets } from '@steward/contracts';
import { botApplicationEntry, type BotApplicationEntry } from '@steward/secrets';
import type { Bot } from './bot.entity.js';

const BUCKET = Buckets.configApps.name;

/**
 * Publishes tenant bots to KV `config-apps` (key = application id), where the gateway,
 * interactions and egress find them. The token travels sealed, exactly as stored.
 */
@Injectable()
export class BotConfigPublisher {
  constructor(private readonly bus: Bus) {}

  async publish(bot: Bot): Promise<BotApplicationEntry> {
    const entry = botApplicationEntry.parse({
      applicationId: bot.applicationId,
      tenantId: bot.tenantId,
      publicKey: bot.publicKey,
      botUserId: bot.botUserId,
      tokenCiphertext: bot.tokenCiphertext,
      keyId: bot.keyId,
    });
    await this.bus.putJson(BUCKET, bot.applicationId, entry);
    return entry;
  }

  async remove(applicationId: string): Promise<void> {
    await (await this.bus.kv(BUCKET)).delete(applicationId);
  }

  /** Every application id in the bucket. */
  async publishedApplicationIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const key of await (await this.bus.kv(BUCKET)).keys()) ids.push(key);
    return ids;
  }
}
