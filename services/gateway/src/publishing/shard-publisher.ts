import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { Bus } from '@steward/bus';
import { tracesRecorded, type Logger } from '@steward/telemetry';
import { backlogSources, gatewayMetrics, type BacklogSource } from '../metrics.js';
import { dispatchEnvelope, type DispatchEnvelope } from './dispatch-envelope.js';

const tracer = trace.getTracer('@steward/gateway');

/** Publishes in flight at once per shard: a sliding window, sent in order, settled in order. */
const MAX_IN_FLIGHT = 256;
const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

interface PendingDispatch {
  envelope: DispatchEnvelope;
  type: string;
  sessionId: string;
  sequence: number;
  receivedAt: number;
  /** From receipt until stored; only when spans are recorded (the publish span carries the trace otherwise). */
  span: Span | undefined;
}

export interface ShardPublisherOptions {
  bus: Bus;
  applicationId: string;
  shardId: number;
  /** Dispatches held while JetStream does not acknowledge them. */
  backlogLimit: number;
  logger: Logger;
  /** JetStream stored every dispatch of `sessionId` up to `sequence`. */
  onAcknowledged(sessionId: string, sequence: number): void;
}

/**
 * Publishes one shard's dispatches to JetStream in the order Discord sent them. Publishes are
 * pipelined; only an unbroken run of acknowledged dispatches counts as stored, and on a failure
 * everything from the first unacknowledged dispatch is sent again (the `Nats-Msg-Id` makes the
 * stream keep one copy), so nothing is dropped while JetStream is away.
 */
export class ShardPublisher implements BacklogSource {
  /** Waiting to be sent, in sequence order. */
  private readonly queue: PendingDispatch[] = [];
  /** Sent, waiting for JetStream's acknowledgement, in the order sent. */
  private inFlight: PendingDispatch[] = [];
  /** How each sent dispatch came back: true stored, false refused (absent: no answer yet). */
  private readonly outcomes = new Map<PendingDispatch, boolean>();
  private pumping: Promise<void> | undefined;
  private stopped = false;
  private refusing = false;
  private readonly stopSignal = new AbortController();
  private failingSince: number | undefined;

  constructor(private readonly options: ShardPublisherOptions) {
    backlogSources.add(this);
  }

  get applicationId(): string {
    return this.options.applicationId;
  }

  get shardId(): number {
    return this.options.shardId;
  }

  /** Dispatches received and not yet stored. */
  get backlog(): number {
    return this.queue.length + this.inFlight.length;
  }

  /**
   * Queues a dispatch; false (and nothing queued) when the backlog is full. Once it refused one,
   * it refuses every later one until `acceptAgain`, so what it stores never has a gap.
   */
  accept(sessionId: string, dispatch: { t: string; s: number; d: unknown }): boolean {
    if (this.stopped || this.refusing) return false;
    if (this.backlog >= this.options.backlogLimit) {
      this.refusing = true;
      return false;
    }
    const { applicationId, shardId } = this.options;
    const span = tracesRecorded()
      ? tracer.startSpan(`gateway receive ${dispatch.t}`, {
          kind: SpanKind.CONSUMER,
          attributes: {
            'messaging.system': 'discord',
            'discord.application_id': applicationId,
            'discord.shard': shardId,
            'discord.event_type': dispatch.t,
            'discord.sequence': dispatch.s,
          },
        })
      : undefined;
    let envelope: DispatchEnvelope;
    try {
      envelope = dispatchEnvelope(applicationId, shardId, sessionId, dispatch);
    } catch (error) {
      // Only a dispatch type that cannot be a subject token gets here; nothing can consume it.
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message }).end();
      this.options.logger.error({ err: error, shard: shardId, type: dispatch.t }, 'skipping a dispatch that cannot be routed');
      return true;
    }
    this.enqueue({ envelope, type: dispatch.t, sessionId, sequence: dispatch.s, receivedAt: performance.now(), span });
    this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    return true;
  }

  /** After a pause for a full backlog: the shard resumes and Discord replays what was refused. */
  acceptAgain(): void {
    this.refusing = false;
  }

  /** Appends in sequence order (the library may hand over two dispatches of one frame out of order). */
  private enqueue(pending: PendingDispatch): void {
    let index = this.queue.length;
    while (index > 0) {
      const before = this.queue[index - 1]!;
      if (before.sessionId !== pending.sessionId || before.sequence < pending.sequence) break;
      index--;
    }
    if (index === this.queue.length) this.queue.push(pending);
    else this.queue.splice(index, 0, pending);
  }

  /** Resolves true once everything queued is stored, false when `timeoutMs` passes first. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.backlog > 0 && Date.now() < deadline) {
      const timer = new AbortController();
      await Promise.race([this.pumping, sleep(Math.max(1, deadline - Date.now()), undefined, { signal: timer.signal }).catch(() => undefined)]);
      timer.abort();
    }
    return this.backlog === 0;
  }

  /** Stops retrying; what is still queued is left for Discord to replay on the next resume. */
  stop(): void {
    this.stopped = true;
    this.stopSignal.abort();
    const left = this.backlog;
    for (const pending of [...this.inFlight, ...this.queue]) pending.span?.end();
    if (left > 0) {
      this.options.logger.warn(
        { shard: this.options.shardId, dropped: left },
        'stopping with dispatches JetStream has not acknowledged; the next resume replays them',
      );
    }
    this.queue.length = 0;
    this.inFlight = [];
    this.outcomes.clear();
    backlogSources.delete(this);
  }

  private async pump(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.stopped) {
      const failure = await this.sendWindow();
      if (this.stopped) return;
      if (!failure) {
        failures = 0;
        continue;
      }
      gatewayMetrics.publishFailures.inc();
      this.reportFailure(failure.reason);
      try {
        await sleep(RETRY_DELAYS_MS[Math.min(failures++, RETRY_DELAYS_MS.length - 1)], undefined, { signal: this.stopSignal.signal });
      } catch {
        return; // stopped
      }
    }
  }

  /**
   * Keeps up to MAX_IN_FLIGHT publishes outstanding until the queue is empty, settling each
   * unbroken run of acknowledgements at the head as it completes. At the first failure it sends
   * nothing more, waits for what is in flight, and puts everything from the first unstored
   * dispatch back at the front of the queue, in order.
   */
  private sendWindow(): Promise<{ reason: unknown } | undefined> {
    return new Promise((resolve) => {
      let failure: { reason: unknown } | undefined;
      let finished = false;
      let launchScheduled = false;
      const finish = (outcome: { reason: unknown } | undefined) => {
        finished = true;
        resolve(outcome);
      };
      const launch = () => {
        while (!failure && this.inFlight.length < MAX_IN_FLIGHT && this.queue.length > 0) {
          const pending = this.queue.shift()!;
          this.inFlight.push(pending);
          this.publish(pending).then(
            () => settled(pending, true),
            (reason: unknown) => {
              failure ??= { reason };
              settled(pending, false);
            },
          );
        }
      };
      // Acknowledgements arrive many to one read from NATS: the publishes they free go out
      // together once all are settled, in one write instead of one write each.
      const launchSoon = () => {
        if (launchScheduled) return;
        launchScheduled = true;
        setImmediate(() => {
          launchScheduled = false;
          if (!finished && !this.stopped) launch();
        });
      };
      const settled = (pending: PendingDispatch, stored: boolean) => {
        if (finished) return;
        if (this.stopped) {
          this.outcomes.clear();
          finish(undefined);
          return;
        }
        this.outcomes.set(pending, stored);
        let run = 0;
        while (run < this.inFlight.length && this.outcomes.get(this.inFlight[run]!) === true) run++;
        if (run > 0) {
          const done = this.inFlight.splice(0, run);
          for (const item of done) this.outcomes.delete(item);
          this.settle(done);
        }
        if (failure) {
          if (!this.inFlight.every((item) => this.outcomes.has(item))) return;
          // Everything from the first failure goes back to the front, in order, to be sent again.
          this.queue.unshift(...this.inFlight);
          this.inFlight = [];
          this.outcomes.clear();
          finish(failure);
          return;
        }
        if (this.inFlight.length > 0) {
          launchSoon();
          return;
        }
        launch();
        if (this.inFlight.length === 0) finish(undefined);
      };
      launch();
      if (this.inFlight.length === 0) finish(undefined);
    });
  }

  private publish(pending: PendingDispatch) {
    const { envelope, span } = pending;
    const send = () =>
      this.options.bus.publish(envelope.subject, envelope.data, {
        msgId: envelope.msgId,
        headers: envelope.headers,
        timeoutMs: PUBLISH_TIMEOUT_MS,
      });
    return span ? context.with(trace.setSpan(context.active(), span), send) : send();
  }

  /** `done` (the head of what was sent, in order) is stored: record it and move the acknowledged position. */
  private settle(done: PendingDispatch[]): void {
    const now = performance.now();
    // Counted once per event type and run, not once per dispatch: labels cost a lookup each.
    const storedByType = new Map<string, number>();
    for (let index = 0; index < done.length; index++) {
      const pending = done[index]!;
      storedByType.set(pending.type, (storedByType.get(pending.type) ?? 0) + 1);
      gatewayMetrics.publishLatency.observe((now - pending.receivedAt) / 1_000);
      pending.span?.end();
      const next = done[index + 1];
      if (index === done.length - 1 || next!.sessionId !== pending.sessionId) {
        this.options.onAcknowledged(pending.sessionId, Math.min(pending.sequence, this.lowestWaiting(pending.sessionId) - 1));
      }
    }
    for (const [type, stored] of storedByType) gatewayMetrics.dispatchesPublished.inc({ type }, stored);
    if (this.failingSince !== undefined) {
      this.options.logger.info(
        { shard: this.options.shardId, afterMs: Date.now() - this.failingSince, backlog: this.backlog },
        'JetStream acknowledges dispatches again',
      );
      this.failingSince = undefined;
    }
  }

  /**
   * The lowest sequence of `sessionId` still waiting: the stored position may not pass it. In
   * flight and queue are each in sequence order per session, so the first of each is enough.
   */
  private lowestWaiting(sessionId: string): number {
    const first = (list: PendingDispatch[]) => list.find((pending) => pending.sessionId === sessionId)?.sequence ?? Infinity;
    return Math.min(first(this.inFlight), first(this.queue));
  }

  private reportFailure(reason: unknown): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    const head = this.queue[0];
    head?.span?.setStatus({ code: SpanStatusCode.ERROR, message: String((reason as Error)?.message ?? reason) });
    this.options.logger.error(
      { err: reason, shard: this.options.shardId, backlog: this.queue.length, backlogLimit: this.options.backlogLimit },
      'JetStream does not acknowledge gateway dispatches; holding them in memory and retrying',
    );
  }
}
