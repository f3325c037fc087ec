interface Pending<I, O> {
  item: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Batches running at once; later submissions wait and leave together in the next batch. */
  maxInFlight: number;
  /** The most items one batch carries. */
  maxBatch: number;
}

/**
 * Group commit: items submitted in the same turn of the event loop, or while `maxInFlight`
 * batches are running, are handed to `run` together. An item submitted to an idle queue waits
 * only for the end of the current turn; under load, one round trip serves many items instead
 * of each paying for its own. `run` settles each item on its own (one item's failure need not
 * fail the others); if `run` itself fails, every item of the batch fails with it.
 */
export class GroupCommit<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private running = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<Array<PromiseSettledResult<O>>>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxInFlight || !this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.launch();
    });
  }

  private launch(): void {
    while (this.running < this.options.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.run(batch.map((pending) => pending.item))
        .then(
          (outcomes) =>
            batch.forEach((pending, index) => {
              const outcome = outcomes[index]!;
              if (outcome.status === 'fulfilled') pending.resolve(outcome.value);
              else pending.reject(outcome.reason);
            }),
          (error: unknown) => batch.forEach((pending) => pending.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.schedule();
        });
    }
  }
}
