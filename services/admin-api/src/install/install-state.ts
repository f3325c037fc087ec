import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long the "Add to Discord" link stays usable. */
export const STATE_LIFETIME_MS = 15 * 60 * 1000;

export interface InstallStateClaims {
  tenantId: string;
  /** SHA-256 of the session the flow was started from; the callback must come with it. */
  sessionHash: string;
}

export type StateCheck =
  { ok: true; claims: InstallStateClaims } | { ok: false; reason: 'invalid_state' | 'expired_state' };

/**
 * The OAuth2 `state` of the install flow: the tenant and session it was issued for, an
 * expiry and a nonce, signed with HMAC-SHA256 under a key derived from STEWARD_MASTER_KEY.
 * Nothing is stored: the signature is the proof.
 */
export class InstallStateSigner {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'steward:install-state:v1', 32));
  }

  sign(claims: InstallStateClaims, now = Date.now()): string {
    const payload = Buffer.from(
      JSON.stringify({
        t: claims.tenantId,
        s: claims.sessionHash,
        e: now + STATE_LIFETIME_MS,
        n: randomBytes(9).toString('base64url'),
      }),
    ).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  verify(state: string | undefined, now = Date.now()): StateCheck {
    const [payload, mac, extra] = (state ?? '').split('.');
    if (!payload || !mac || extra !== undefined) return { ok: false, reason: 'invalid_state' };
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'invalid_state' };
    let claims: { t?: unknown; s?: unknown; e?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'invalid_state' };
    }
    if (typeof claims.t !== 'string' || typeof claims.s !== 'string' || typeof claims.e !== 'number')
      return { ok: false, reason: 'invalid_state' };
    if (claims.e < now) return { ok: false, reason: 'expired_state' };
    return {
      ok: true,
      claims: { tenantId: claims.t, sessionHash: claims.s },
    };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
