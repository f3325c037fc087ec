import { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey, sameDigest } from './api-key-secret.js';

describe('API key secrets', () => {
  it('generate distinct keys in the documented format', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^stw_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(generateApiKey()).not.toBe(key);
  });

  it('accept the keys npm start generates and nothing shorter or foreign', () => {
    expect(looksLikeApiKey(`stw_${'A'.repeat(32)}`)).toBe(true);
    expect(looksLikeApiKey(`stw_${'A'.repeat(31)}`)).toBe(false);
    expect(looksLikeApiKey(`sk_${'A'.repeat(40)}`)).toBe(false);
    expect(looksLikeApiKey(`stw_${'A'.repeat(31)}+`)).toBe(false);
  });

  it('hash with SHA-256 and keep only a short prefix for display', () => {
    // sha256sum of the bytes "stw_abc"
    expect(hashApiKey('stw_abc')).toBe('8f5d9d535ee174d785c7ba0dddded8c003ccaa5c9f689a17d1585e2e587d4b5f');
    expect(displayPrefix('stw_abcdefghijklmnop')).toBe('stw_abcdefgh');
  });

  it('compare digests exactly', () => {
    const digest = hashApiKey('stw_one');
    expect(sameDigest(digest, hashApiKey('stw_one'))).toBe(true);
    expect(sameDigest(digest, hashApiKey('stw_two'))).toBe(false);
    expect(sameDigest(digest, digest.slice(0, 62))).toBe(false);
  });
});
