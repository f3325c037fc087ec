/**
 * Keeps the order of related events while unrelated ones run concurrently. Directory updates
 * of one guild run one after another in delivery order (a CHANNEL_UPDATE never overtakes the
 * GUILD_CREATE before it); different guilds proceed in parallel. A lane whose work fails
 * does not block the work queued behind it.
 */
export class OrderedLanes {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `work` after everything queued earlier on `lane`, and after whatever the lanes in
   * `after` hold at this moment (without queueing on them).
   */
  run<T>(lane: string, work: () => Promise<T>, after: readonly string[] = []): Promise<T> {
    const predecessors = [this.tails.get(lane), ...after.map((other) => this.tails.get(other))];
    const result = Promise.all(predecessors).then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(lane, tail);
    void tail.then(() => {
      if (this.tails.get(lane) === tail) this.tails.delete(lane);
    });
    return result;
  }

  /** Resolves once the work queued so far on `lanes` has settled. */
  async settled(lanes: readonly string[]): Promise<void> {
    await Promise.all(lanes.map((lane) => this.tails.get(lane)));
  }

  /** Lanes with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
