import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@steward/runtime';
import type { KeyObject } from 'node:crypto';
import type { InteractionsConfig } from '../config.js';
import { publicKeyFromHex } from './signature.js';

/**
 * The Ed25519 public key of each application whose interactions this endpoint accepts: the
 * platform bot's from the environment (tenant bots' keys arrive with their credentials).
 */
@Injectable()
export class ApplicationKeys {
  private readonly keys = new Map<string, KeyObject>();

  constructor(@Inject(CONFIG) config: InteractionsConfig) {
    if (config.DISCORD_APPLICATION_ID && config.DISCORD_PUBLIC_KEY) {
      this.keys.set(config.DISCORD_APPLICATION_ID, publicKeyFromHex(config.DISCORD_PUBLIC_KEY));
    }
  }

  keyFor(applicationId: string): KeyObject | undefined {
    return this.keys.get(applicationId);
  }
}
