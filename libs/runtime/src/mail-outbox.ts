/**
 * What Steward's e-mail outboxes share (quota e-mails in metering, escalation e-mails in
 * takeover): each keeps its e-mails in a Postgres table and sends them with these pieces.
 */
import nodemailer, { type Transporter } from 'nodemailer';

/** An SMTP transport for `SMTP_URL`, or undefined when it is not set (e-mails are then skipped). */
export function smtpTransport(smtpUrl: string | undefined): Transporter | undefined {
  if (!smtpUrl) return undefined;
  return nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
}

const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** The wait before the next attempt after `attempts` failures: doubling, at most `maxMs` (an hour). */
export function retryDelayMs(firstRetryMs: number, attempts: number, maxMs = MAX_RETRY_DELAY_MS): number {
  return Math.min(maxMs, firstRetryMs * 2 ** attempts);
}

/**
 * E-mails an outbox sends per transaction: one, so that a stop waits for one send at most, and
 * a crash leaves at most the e-mail being sent to be sent again (a batch would roll back every
 * e-mail it had already sent).
 */
export const EMAILS_PER_TRANSACTION = 1;

/**
 * Sends what is due when kicked (an e-mail was queued) and from a periodic sweep (failed sends
 * come due again), never twice at the same time: a kick during a run schedules one more run.
 * `sendBatch` sends up to EMAILS_PER_TRANSACTION due e-mails and says how many it took; the
 * run goes on until none is due, or the drain stops.
 */
export class OutboxDrain {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;

  constructor(
    private readonly sendBatch: () => Promise<number>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts the sweep. */
  sweepEvery(intervalMs: number): void {
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
  }

  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sendDue()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async sendDue(): Promise<void> {
    while (!this.closed && (await this.sendBatch()) > 0);
  }

  /** Stops the sweep and waits for the e-mail being sent, if any. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    this.again = false;
    await this.running;
  }
}
