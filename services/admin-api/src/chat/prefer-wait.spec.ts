import { CHAT_MAX_WAIT_SECONDS, preferredWaitSeconds } from './prefer-wait.js';

describe('preferredWaitSeconds', () => {
  it('reads wait=<seconds> alone or among other preferences', () => {
    expect(preferredWaitSeconds('wait=5')).toBe(5);
    expect(preferredWaitSeconds('respond-async, wait=10')).toBe(10);
    expect(preferredWaitSeconds('handling=lenient; WAIT = "3"')).toBe(3);
  });

  it('caps the wait at the longest the API waits', () => {
    expect(preferredWaitSeconds('wait=600')).toBe(CHAT_MAX_WAIT_SECONDS);
  });

  it('ignores absent, zero and malformed preferences', () => {
    expect(preferredWaitSeconds(undefined)).toBeUndefined();
    expect(preferredWaitSeconds('wait=0')).toBeUndefined();
    expect(preferredWaitSeconds('wait=soon')).toBeUndefined();
    expect(preferredWaitSeconds('nowait=5')).toBeUndefined();
  });
});
