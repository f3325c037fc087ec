import { mirrorKv, type Bus } from '@steward/bus';
import { snowflake, z } from '@steward/config';
import { Buckets } from '@steward/contracts';
import { SecretBox, SecretDecryptionError } from './secret-box.js';

/**
 * A tenant's own bot as published in KV `config-apps` (key = application id). The token is
 * sealed with the SecretBox; services holding STEWARD_MASTER_KEY open it.
 */
export const botApplicationEntry = z.object({
  applicationId: snowflake,
  tenantId: z.string().min(1).max(64),
  /** Ed25519 public key, hex, as the Developer Portal shows it. */
  publicKey: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hexadecimal characters'),
  botUserId: snowflake,
  tokenCiphertext: z.string().min(1),
  keyId: z.string().min(1),
});
export type BotApplicationEntry = z.infer<typeof botApplicationEntry>;

/** A tenant bot with its token opened. Never log it whole. */
export interface BotApplication {
  applicationId: string;
  tenantId: string;
  publicKey: string;
  botUserId: string;
  token: string;
}

/** The additional authenticated data of a bot token: a ciphertext opens for its application only. */
export function botTokenContext(applicationId: string): string {
  return `bot-token:${applicationId}`;
}

/** The KV entry for a tenant bot, its token sealed with the current master key. */
export function sealBotApplication(box: SecretBox, application: BotApplication): BotApplicationEntry {
  const { token, ...rest } = application;
  const sealed = box.encrypt(token, botTokenContext(application.applicationId));
  return { ...rest, tokenCiphertext: sealed.ciphertext, keyId: sealed.keyId };
}

/** The tenant bot of a KV entry, its token opened (throws SecretDecryptionError). */
export function openBotApplication(box: SecretBox, entry: BotApplicationEntry): BotApplication {
  const { tokenCiphertext, keyId: _keyId, ...rest } = entry;
  return { ...rest, token: box.decrypt(tokenCiphertext, botTokenContext(entry.applicationId)) };
}

/** What changed for one application: its current state, or undefined when it was removed. */
export type BotApplicationListener = (applicationId: string, application: BotApplication | undefined) => void;

export interface BotApplicationsOptions {
  /** Undefined when STEWARD_MASTER_KEY is not set: entries are then skipped with a warning. */
  secrets: SecretBox | undefined;
  logger?: { warn(object: object, message: string): void };
  /** Called for every application in the snapshot at start and for every change after. */
  onChange?: BotApplicationListener;
}

/**
 * The services' view of KV `config-apps`: tenant bots with their tokens opened, loaded at start
 * and kept current by a watcher, so a lookup is a map read. Entries that do not parse or do not
 * open are skipped with a warning that never contains the token.
 */
export class BotApplications {
  private readonly applications = new Map<string, BotApplication>();
  private stopWatching?: () => void;

  private constructor(private readonly options: BotApplicationsOptions) {}

  static async open(bus: Bus, options: BotApplicationsOptions): Promise<BotApplications> {
    const store = new BotApplications(options);
    const kv = await bus.kv(Buckets.configApps.name);
    store.stopWatching = await mirrorKv(kv, (entry) => store.apply(entry.key, entry.operation, entry.value), {
      onInterrupted: (error) =>
        options.logger?.warn({ bucket: Buckets.configApps.name, err: error }, 'tenant bots watch ended; watching again'),
    });
    return store;
  }

  get(applicationId: string): BotApplication | undefined {
    return this.applications.get(applicationId);
  }

  all(): BotApplication[] {
    return [...this.applications.values()];
  }

  close(): void {
    this.stopWatching?.();
  }

  private apply(key: string, operation: string, value: Uint8Array): void {
    const previous = this.applications.get(key);
    const application = operation === 'PUT' ? this.read(key, value) : undefined;
    if (application) this.applications.set(key, application);
    else this.applications.delete(key);
    if (application || previous) this.options.onChange?.(key, application);
  }

  private read(key: string, value: Uint8Array): BotApplication | undefined {
    const { secrets, logger } = this.options;
    if (!secrets) {
      logger?.warn(
        { applicationId: key },
        'ignoring a tenant bot: STEWARD_MASTER_KEY is not set, so its token cannot be opened',
      );
      return undefined;
    }
    try {
      const entry = botApplicationEntry.parse(JSON.parse(new TextDecoder().decode(value)));
      if (entry.applicationId !== key) throw new Error(`the entry names application ${entry.applicationId}`);
      return openBotApplication(secrets, entry);
    } catch (error) {
      const reason =
        error instanceof SecretDecryptionError
          ? `its token does not open (${error.message}); is STEWARD_MASTER_KEY (or STEWARD_MASTER_KEY_PREVIOUS) the one admin-api uses?`
          : error instanceof z.ZodError
            ? `invalid entry: ${z.prettifyError(error)}`
            : (error as Error).message;
      logger?.warn({ applicationId: key, reason }, 'ignoring a tenant bot');
      return undefined;
    }
  }
}
