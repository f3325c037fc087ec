import { randomBytes } from 'node:crypto';
import { loadConfig, stewardEnv } from '@steward/config';
import { masterKeyRotationEnv } from './env.js';
import { keyIdOf, SecretBox, SecretDecryptionError } from './secret-box.js';

describe('SecretBox', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gx1y2z.abcdefghijklmnopqrstuvwxyz0123456789';

  it('seals with AES-256-GCM: the ciphertext names the key and hides the secret', () => {
    const box = new SecretBox(newKey);
    const first = box.encrypt(token, 'bot-token:1');
    const second = box.encrypt(token, 'bot-token:1');
    expect(first.ciphertext).toMatch(/^v1\.[0-9a-f]{16}\.[\w-]{16}\.[\w-]+$/);
    expect(first.keyId).toBe(box.keyId);
    expect(keyIdOf(first.ciphertext)).toBe(box.keyId);
    // A fresh IV every time; neither the token nor the key appears in the output.
    expect(first.ciphertext).not.toBe(second.ciphertext);
    expect(first.ciphertext).not.toContain(token);
    expect(first.ciphertext).not.toContain(Buffer.from(token).toString('base64url').slice(0, 12));
    expect(box.decrypt(first.ciphertext, 'bot-token:1')).toBe(token);
  });

  it('derives a stable key id per master key', () => {
    expect(new SecretBox(newKey).keyId).toBe(new SecretBox(Buffer.from(newKey)).keyId);
    expect(new SecretBox(newKey).keyId).not.toBe(new SecretBox(oldKey).keyId);
  });

  it('refuses a ciphertext under another context, tampered, or sealed with an unknown key', () => {
    const box = new SecretBox(newKey);
    const { ciphertext } = box.encrypt(token, 'bot-token:1');
    expect(() => box.decrypt(ciphertext, 'bot-token:2')).toThrow(SecretDecryptionError);
    const parts = ciphertext.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0]! ^= 1;
    parts[3] = flipped.toString('base64url');
    expect(() => box.decrypt(parts.join('.'), 'bot-token:1')).toThrow(/does not open/);
    expect(() => new SecretBox(oldKey).decrypt(ciphertext, 'bot-token:1')).toThrow(/unknown master key/);
    expect(() => box.decrypt('plain-token', 'bot-token:1')).toThrow(/not a sealed secret/);
  });

  it('rotates: previous keys still open, and re-encryption moves secrets to the current key', () => {
    const sealedWithOld = new SecretBox(oldKey).encrypt(token, 'bot-token:1');
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.isCurrent(sealedWithOld.ciphertext)).toBe(false);
    expect(rotated.decrypt(sealedWithOld.ciphertext, 'bot-token:1')).toBe(token);
    const resealed = rotated.reencrypt(sealedWithOld.ciphertext, 'bot-token:1');
    expect(resealed.keyId).toBe(rotated.keyId);
    expect(rotated.isCurrent(resealed.ciphertext)).toBe(true);
    expect(new SecretBox(newKey).decrypt(resealed.ciphertext, 'bot-token:1')).toBe(token);
  });

  it('reads the keys from the environment (hex or base64, previous keys comma-separated)', () => {
    expect(SecretBox.fromEnv({})).toBeUndefined();
    const box = SecretBox.fromEnv({
      STEWARD_MASTER_KEY: newKey.toString('hex'),
      STEWARD_MASTER_KEY_PREVIOUS: ` ${oldKey.toString('base64')} , ${randomBytes(32).toString('hex')}`,
    })!;
    const sealedWithOld = new SecretBox(oldKey).encrypt(token, 'x');
    expect(box.decrypt(sealedWithOld.ciphertext, 'x')).toBe(token);
    expect(box.keyId).toBe(new SecretBox(newKey).keyId);
  });

  it('validates STEWARD_MASTER_KEY_PREVIOUS without echoing it', () => {
    const schema = stewardEnv.extend(masterKeyRotationEnv);
    expect(
      loadConfig(schema, { STEWARD_MASTER_KEY_PREVIOUS: '' }).STEWARD_MASTER_KEY_PREVIOUS,
    ).toBeUndefined();
    expect(() =>
      loadConfig(schema, { STEWARD_MASTER_KEY_PREVIOUS: `${oldKey.toString('hex')},nope` }),
    ).toThrow(/STEWARD_MASTER_KEY_PREVIOUS must be 32-byte keys .*\(value hidden\)/);
  });
});
