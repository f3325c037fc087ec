import { hashPassword, needsRehash, verifyPassword } from './password.js';

describe('password hashes', () => {
  it('verify the right password only, with the scrypt parameters stored in the hash', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salt every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('verify hashes made with other parameters and ask for an upgrade', async () => {
    // A hash with N=1024, r=8, p=1, salt "salt", computed independently with node:crypto.
    const { scryptSync } = await import('node:crypto');
    const legacy = `scrypt$1024$8$1$${Buffer.from('salt').toString('base64url')}$${scryptSync('pw', Buffer.from('salt'), 32, { N: 1024, r: 8, p: 1 }).toString('base64url')}`;
    expect(await verifyPassword('pw', legacy)).toBe(true);
    expect(needsRehash(legacy)).toBe(true);
  });

  it('refuse unreadable hashes instead of throwing', async () => {
    for (const stored of ['', 'plain', 'bcrypt$2b$10$x', 'scrypt$x$8$1$a$b']) {
      expect(await verifyPassword('pw', stored)).toBe(false);
      expect(needsRehash(stored)).toBe(true);
    }
  });
});
