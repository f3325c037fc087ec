// Runs the SMTP sink on its own and prints each mail it receives:
//   node --import @swc-node/register/esm-register libs/sandbox/src/smtp/main.ts
// SMTP_SINK_HOST (default 127.0.0.1) and SMTP_SINK_PORT (default 2525) choose where it listens.
import { startSmtpSink } from './smtp-sink.js';

const port = Number(process.env['SMTP_SINK_PORT'] ?? 2525);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new Error(`SMTP_SINK_PORT must be a port number (0-65535), got "${process.env['SMTP_SINK_PORT']}"`);
}
const sink = await startSmtpSink({
  host: process.env['SMTP_SINK_HOST'] ?? '127.0.0.1',
  port,
  onMessage: (mail) => {
    console.log(
      `\n--- ${mail.receivedAt.toISOString()} from ${mail.from} to ${mail.to.join(', ')}: ${mail.subject}`,
    );
    console.log(mail.text ?? mail.html ?? '');
  },
});
console.log(`SMTP sink listening: SMTP_URL=${sink.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void sink.close().then(() => process.exit(0)));
}
