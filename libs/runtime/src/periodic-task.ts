/**
 * Runs a piece of work every `intervalMs`, never two runs at once (a tick that finds the last
 * run still going is skipped). A failed run goes to `onError`; the next tick tries again.
 * `stop()` ends the ticks and waits for a run in progress, so a module can close what it uses.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Ticks from now on; `immediately` runs the work once at once as well. */
  start(options: { immediately?: boolean } = {}): void {
    if (options.immediately) this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Whether stop() was called: a long run checks it between batches. */
  get isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = this.work()
      .then(() => undefined, this.onError)
      .finally(() => (this.running = undefined));
  }
}
