import type { AddressInfo } from 'node:net';
import PostalMime, { type Address } from 'postal-mime';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface SmtpSinkOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Called with each mail once it is parsed, e.g. to print it. */
  onMessage?: (mail: ReceivedMail) => void;
}

/** One mail as the sink received and parsed it. */
export interface ReceivedMail {
  /** The From header's address (the envelope sender when the header has none). */
  readonly from: string;
  /** Everyone the mail was delivered to: the envelope recipients, so To, Cc and Bcc alike. */
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string | undefined;
  readonly html: string | undefined;
  /** Header values by lower-cased name; for a repeated header, its first (topmost) value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly envelope: { readonly mailFrom: string; readonly rcptTo: readonly string[] };
  readonly receivedAt: Date;
  /** The message exactly as transmitted. */
  readonly raw: string;
}

/** An SMTP server that accepts every mail, without auth or TLS, and keeps it for tests to read. */
export interface SmtpSink {
  /** `smtp://host:port`, as nodemailer's `createTransport` and `SMTP_URL` take it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Received mails, oldest first. */
  readonly messages: readonly ReceivedMail[];
  /** The first mail, already received or still to come, that matches; rejects after `timeoutMs`. */
  waitForMessage(predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  clear(): void;
  close(): Promise<void>;
}

interface Waiter {
  readonly predicate: (mail: ReceivedMail) => boolean;
  readonly resolve: (mail: ReceivedMail) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_WAIT_MS = 5_000;
/** How long close() lets a client finish its session before cutting it off. */
const CLOSE_TIMEOUT_MS = 1_000;

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const { host = '127.0.0.1', port = 0, onMessage } = options;
  const messages: ReceivedMail[] = [];
  const waiters = new Set<Waiter>();

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    // A client configured with credentials may still log in, with any of them, over plain text.
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    closeTimeout: CLOSE_TIMEOUT_MS,
    // Clients are local; a reverse DNS lookup per connection only slows every mail down.
    disableReverseLookup: true,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const rcptTo = session.envelope.rcptTo.map((r: SMTPServerAddress) => r.address);
        PostalMime.parse(raw)
          .then((email) => {
            const headers: Record<string, string> = {};
            for (const { key, value } of email.headers) headers[key] ??= value;
            const mail: ReceivedMail = {
              from: addressOf(email.from) ?? mailFrom,
              to: rcptTo,
              subject: email.subject ?? '',
              text: email.text,
              html: email.html,
              headers,
              envelope: { mailFrom, rcptTo },
              receivedAt: new Date(),
              raw,
            };
            messages.push(mail);
            onMessage?.(mail);
            for (const waiter of waiters) {
              if (waiter.predicate(mail)) {
                waiters.delete(waiter);
                waiter.resolve(mail);
              }
            }
            callback();
          })
          .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `smtp://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    get messages() {
      return messages;
    },
    waitForMessage(predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) {
      const received = messages.find(predicate);
      if (received) return Promise.resolve(received);
      return new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching mail arrived within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const waiter: Waiter = {
          predicate,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    clear() {
      messages.length = 0;
    },
    close() {
      for (const waiter of waiters) waiter.reject(new Error('The SMTP sink was closed'));
      waiters.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function addressOf(from: Address | undefined): string | undefined {
  if (!from) return undefined;
  return from.address ?? from.group[0]?.address;
}
