import { randomBytes } from 'node:crypto';
import { InstallStateSigner, STATE_LIFETIME_MS } from './install-state.js';

describe('install state', () => {
  const signer = new InstallStateSigner(randomBytes(32));

  it('round-trips the tenant and the session, and differs every time', () => {
    const state = signer.sign({ tenantId: 't-1', sessionHash: 'abc' });
    expect(signer.verify(state)).toEqual({ ok: true, claims: { tenantId: 't-1', sessionHash: 'abc' } });
    expect(signer.sign({ tenantId: 't-1', sessionHash: 'abc' })).not.toBe(
      signer.sign({ tenantId: 't-1', sessionHash: 'abc' }),
    );
  });

  it('refuses a tampered, foreign, malformed or expired state', () => {
    const state = signer.sign({ tenantId: 't-1', sessionHash: 'abc' });
    const [payload, mac] = state.split('.');
    const forged = Buffer.from(
      JSON.stringify({ t: 't-2', s: 'abc', e: Date.now() + 60_000, n: 'x' }),
    ).toString('base64url');
    expect(signer.verify(`${forged}.${mac}`)).toEqual({ ok: false, reason: 'invalid_state' });
    expect(new InstallStateSigner(randomBytes(32)).verify(state)).toEqual({
      ok: false,
      reason: 'invalid_state',
    });
    for (const bad of [undefined, '', payload, `${state}.x`])
      expect(signer.verify(bad)).toEqual({ ok: false, reason: 'invalid_state' });
    expect(signer.verify(state, Date.now() + STATE_LIFETIME_MS + 1)).toEqual({
      ok: false,
      reason: 'expired_state',
    });
  });
});
