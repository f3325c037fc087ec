import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { decodeMasterKey } from '@steward/config';

/** The sealed format: `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). */
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from('steward/secrets');
const ENCRYPTION_INFO = Buffer.from('steward/secrets aes-256-gcm v1');
const KEY_ID_INFO = Buffer.from('steward/secrets key id v1');

/** A secret as stored: the sealed string and the id of the master key that sealed it. */
export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

/** A ciphertext that cannot be opened: unknown key, wrong context, tampered, or malformed. */
export class SecretDecryptionError extends Error {
  override readonly name = 'SecretDecryptionError';
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

/** An encryption key and a public key id, both derived from one master key with HKDF-SHA256. */
function deriveKey(masterKey: Buffer): DerivedKey {
  if (masterKey.length !== 32) throw new RangeError('a master key must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, ENCRYPTION_INFO, 32));
  // The id names the key without revealing anything about it (a separate HKDF output).
  const id = Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, KEY_ID_INFO, 8)).toString('hex');
  return { id, key };
}

/**
 * AES-256-GCM encryption of secrets (bot tokens) under a key derived from STEWARD_MASTER_KEY.
 * Every ciphertext names the key that sealed it, so the master key can be rotated: set the
 * new key as STEWARD_MASTER_KEY and the old one in STEWARD_MASTER_KEY_PREVIOUS; old
 * ciphertexts still open, and `isCurrent` tells what to re-encrypt.
 *
 * `context` is bound to the ciphertext as additional authenticated data (e.g.
 * `bot-token:<applicationId>`): a ciphertext copied to another record does not open.
 */
export class SecretBox {
  private readonly current: DerivedKey;
  private readonly keys: Map<string, Buffer>;

  constructor(masterKey: Buffer, previousMasterKeys: readonly Buffer[] = []) {
    this.current = deriveKey(masterKey);
    this.keys = new Map([this.current, ...previousMasterKeys.map(deriveKey)].map((k) => [k.id, k.key]));
  }

  /**
   * From the environment (hex or base64 keys; previous keys comma-separated). Undefined when
   * STEWARD_MASTER_KEY is not set: secrets can then be neither stored nor read.
   */
  static fromEnv(env: {
    STEWARD_MASTER_KEY?: string;
    STEWARD_MASTER_KEY_PREVIOUS?: string;
  }): SecretBox | undefined {
    if (!env.STEWARD_MASTER_KEY) return undefined;
    const decode = (value: string, name: string) => {
      const key = decodeMasterKey(value);
      if (!key) throw new Error(`${name} must be 32 bytes as 64 hex characters or base64`);
      return key;
    };
    const previous = (env.STEWARD_MASTER_KEY_PREVIOUS ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean)
      .map((value) => decode(value, 'STEWARD_MASTER_KEY_PREVIOUS'));
    return new SecretBox(decode(env.STEWARD_MASTER_KEY, 'STEWARD_MASTER_KEY'), previous);
  }

  /** The id of the key new secrets are sealed with. */
  get keyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string, context: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(additionalData(this.current.id, context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return {
      ciphertext: [FORMAT, this.current.id, iv.toString('base64url'), sealed.toString('base64url')].join('.'),
      keyId: this.current.id,
    };
  }

  decrypt(ciphertext: string, context: string): string {
    const { keyId, iv, sealed } = parse(ciphertext);
    const key = this.keys.get(keyId);
    if (!key) throw new SecretDecryptionError(`sealed with an unknown master key (key id ${keyId})`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(additionalData(keyId, context));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        'the secret does not open: tampered with, or sealed for another record',
      );
    }
  }

  /** Whether the ciphertext was sealed with the current master key. */
  isCurrent(ciphertext: string): boolean {
    return keyIdOf(ciphertext) === this.current.id;
  }

  /** Opens with whichever known key sealed it and seals again with the current one. */
  reencrypt(ciphertext: string, context: string): SealedSecret {
    return this.encrypt(this.decrypt(ciphertext, context), context);
  }
}

/** The id of the master key a ciphertext was sealed with (no key needed). */
export function keyIdOf(ciphertext: string): string {
  return parse(ciphertext).keyId;
}

function additionalData(keyId: string, context: string): Buffer {
  return Buffer.from(`${FORMAT}.${keyId}.${context}`, 'utf8');
}

function parse(ciphertext: string): { keyId: string; iv: Buffer; sealed: Buffer } {
  const parts = ciphertext.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT || !/^[0-9a-f]{16}$/.test(parts[1]!))
    throw new SecretDecryptionError('not a sealed secret (expected v1.<keyId>.<iv>.<data>)');
  const iv = Buffer.from(parts[2]!, 'base64url');
  const sealed = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES)
    throw new SecretDecryptionError('not a sealed secret (bad IV or data length)');
  return { keyId: parts[1]!, iv, sealed };
}
