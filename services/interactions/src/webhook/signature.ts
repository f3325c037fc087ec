import { createPublicKey, verify, type KeyObject } from 'node:crypto';

// An Ed25519 public key as SubjectPublicKeyInfo DER is this fixed prefix and the 32 raw bytes.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The Ed25519 key behind the hex public key the Developer Portal shows. */
export function publicKeyFromHex(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error('public key must be 64 hexadecimal characters');
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' });
}

/**
 * Discord signs `timestamp + raw body` with the application's Ed25519 key. Verify over the raw
 * bytes as received: re-serialised JSON would not match.
 */
export function verifyDiscordSignature(key: KeyObject, signatureHex: string, timestamp: string, rawBody: Buffer): boolean {
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signatureHex, 'hex'));
}

/** Discord's timestamp is Unix seconds; older (or later) than the window is a replay. */
export function isFreshTimestamp(timestamp: string, nowMs: number, windowSeconds = 300): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(nowMs / 1000 - Number(timestamp)) <= windowSeconds;
}
