/**
 * When to refresh the vocabulary's planner statistics after documents were indexed. Right
 * after an upload the statistics are what decides whether a misspelt question is looked up
 * through the trigram index or compared with every word of the tenant, so they should follow
 * soon; but ANALYZE reads a sample of a table every tenant shares, so not after each of many
 * documents.
 */
export const STATISTICS_TIMING = {
  /** Wait until no document has been indexed for this long (an upload of many settles first). */
  quietMs: 1_000,
  /** Never sooner than this after the last refresh. */
  minIntervalMs: 10_000,
  /** Never later than this after the first document that wants one. */
  maxDelayMs: 30_000,
};

/**
 * How long to wait, from `now`, before refreshing: documents have been indexed since
 * `wantedSince`, the last refresh was at `analyzedAt` (-Infinity for none); all in ms.
 */
export function statisticsDelay(
  now: number,
  wantedSince: number,
  analyzedAt: number,
  timing = STATISTICS_TIMING,
): number {
  const settled = Math.max(timing.quietMs, analyzedAt + timing.minIntervalMs - now);
  const deadline = wantedSince + timing.maxDelayMs - now;
  return Math.max(0, Math.min(settled, deadline));
}

/**
 * Calls `refresh` after documents were indexed, when `statisticsDelay` says: one call for an
 * upload of many, never two at once.
 */
export class StatisticsSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private refreshedAt = -Infinity;
  /** When the first document indexed since the last refresh was. */
  private wantedSince?: number;
  private stopped = false;

  constructor(private readonly refresh: () => Promise<void>) {}

  /** A document was indexed. */
  wanted(): void {
    if (this.stopped) return;
    const now = performance.now();
    this.wantedSince ??= now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.start(), statisticsDelay(now, this.wantedSince, this.refreshedAt));
    this.timer.unref();
  }

  /** Cancels a refresh not started yet and waits for one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private start(): void {
    this.timer = undefined;
    this.wantedSince = undefined;
    this.refreshedAt = performance.now();
    // After a refresh still under way, not alongside it (the two would wait for each other).
    const refresh: Promise<void> = (this.running ?? Promise.resolve())
      .then(() => this.refresh())
      .finally(() => {
        if (this.running === refresh) this.running = undefined;
      });
    this.running = refresh;
  }
}
