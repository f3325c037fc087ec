import type { FastifyRequest } from 'fastify';
import type { AuthContext, Authenticator } from './auth-context.js';
import { RequestAuthentication } from './request-authentication.js';

const byKey: AuthContext = { tenantId: 't1', method: 'api_key', role: 'owner', apiKeyId: 'key-1' };
const bySession: AuthContext = {
  tenantId: 't1',
  method: 'session',
  role: 'owner',
  userId: 'u1',
  sessionId: 's1',
};

/** An authenticator that recognises the request while `valid()` says so. */
const authenticator = (auth: AuthContext, valid: () => boolean): Authenticator => ({
  authenticate: () => Promise.resolve(valid() ? auth : null),
});

describe('RequestAuthentication.stillValid', () => {
  it('ends a stream let in with a key once the key is gone, even when a session cookie of the tenant rides along', async () => {
    let keyValid = true;
    const authentication = new RequestAuthentication([
      authenticator(byKey, () => keyValid),
      authenticator(bySession, () => true),
    ]);
    const request = { auth: byKey } as FastifyRequest;
    expect(await authentication.stillValid(request)).toBe(true);
    keyValid = false;
    expect(await authentication.stillValid(request)).toBe(false);
  });

  it('keeps a stream let in with a session while that session lasts', async () => {
    let sessionValid = true;
    const authentication = new RequestAuthentication([authenticator(bySession, () => sessionValid)]);
    const request = { auth: bySession } as FastifyRequest;
    expect(await authentication.stillValid(request)).toBe(true);
    sessionValid = false;
    expect(await authentication.stillValid(request)).toBe(false);
  });
});
