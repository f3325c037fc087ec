/** The longest a chat request waits for its answer; `Prefer: wait=<seconds>` may shorten it. */
export const CHAT_MAX_WAIT_SECONDS = 30;

/**
 * The `wait` preference of a `Prefer` header (RFC 7240), in whole seconds, capped at the
 * longest wait; undefined when it is absent or unusable (the default wait applies).
 */
export function preferredWaitSeconds(prefer: string | undefined): number | undefined {
  const match = /(?:^|[,;\s])wait\s*=\s*"?(\d+)"?/i.exec(prefer ?? '');
  if (!match) return undefined;
  const seconds = Number(match[1]);
  return seconds >= 1 ? Math.min(seconds, CHAT_MAX_WAIT_SECONDS) : undefined;
}
