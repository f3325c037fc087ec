import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@steward/runtime';
import { BotApplications } from '@steward/secrets';
import type { KeyObject } from 'node:crypto';
import type { InteractionsConfig } from '../config.js';
import { publicKeyFromHex } from './signature.js';

/**
 * The Ed25519 public key of each application whose interactions this endpoint accepts: the
 * platform bot's from the environment, and every tenant bot's from KV `config-apps` (kept
 * current by a watcher, so a bot saved in the dashboard is accepted at once).
 */
@Injectable()
export class ApplicationKeys {
  private readonly platform = new Map<string, KeyObject>();
  /** Parsed tenant keys by their hex, so a lookup does not parse the key again. */
  private readonly parsed = new Map<string, KeyObject>();

  constructor(
    @Inject(CONFIG) config: InteractionsConfig,
    @Inject(BotApplications) private readonly tenantBots: Pick<BotApplications, 'get'>,
  ) {
    if (config.DISCORD_APPLICATION_ID && config.DISCORD_PUBLIC_KEY) {
      this.platform.set(config.DISCORD_APPLICATION_ID, publicKeyFromHex(config.DISCORD_PUBLIC_KEY));
    }
  }

  keyFor(applicationId: string): KeyObject | undefined {
    const platform = this.platform.get(applicationId);
    if (platform) return platform;
    const publicKey = this.tenantBots.get(applicationId)?.publicKey.toLowerCase();
    if (!publicKey) return undefined;
    let key = this.parsed.get(publicKey);
    if (!key) {
      key = publicKeyFromHex(publicKey);
      this.parsed.set(publicKey, key);
    }
    return key;
  }
}
