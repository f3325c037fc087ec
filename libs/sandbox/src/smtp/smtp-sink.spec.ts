import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import nodemailer, { type Transporter } from 'nodemailer';
import { startSmtpSink, type SmtpSink } from './index.js';

describe('SMTP sink driven by nodemailer', () => {
  let sink: SmtpSink;
  let transport: Transporter;

  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = nodemailer.createTransport(sink.url);
  });
  afterAll(async () => {
    transport.close();
    await sink.close();
  });
  beforeEach(() => sink.clear());

  it('listens on 127.0.0.1 at the URL nodemailer takes', () => {
    expect(sink.url).toBe(`smtp://127.0.0.1:${sink.port}`);
  });

  it('receives a plain-text mail to several recipients, Bcc included', async () => {
    await transport.sendMail({
      from: 'Steward <noreply@steward.test>',
      to: ['owner@guild.test', 'Second Admin <admin@guild.test>'],
      bcc: 'audit@steward.test',
      subject: 'Your weekly report',
      text: 'Questions answered: 42',
      headers: { 'X-Steward-Tenant': 'tenant-1' },
    });

    const mail = await sink.waitForMessage();
    expect(mail).toMatchObject({
      from: 'noreply@steward.test',
      to: ['owner@guild.test', 'admin@guild.test', 'audit@steward.test'],
      subject: 'Your weekly report',
      text: 'Questions answered: 42\n',
      html: undefined,
      envelope: { mailFrom: 'noreply@steward.test' },
    });
    expect(mail.headers['x-steward-tenant']).toBe('tenant-1');
    expect(mail.raw).not.toContain('audit@steward.test');
    expect(mail.receivedAt).toBeInstanceOf(Date);
  });

  it('parses an HTML mail with a text alternative', async () => {
    await transport.sendMail({
      from: 'noreply@steward.test',
      to: 'owner@guild.test',
      subject: 'Verify your e-mail – Steward',
      text: 'Open https://steward.test/verify?token=abc',
      html: '<p>Open <a href="https://steward.test/verify?token=abc">this link</a></p>',
    });

    const mail = await sink.waitForMessage((m) => m.subject.startsWith('Verify'));
    expect(mail.subject).toBe('Verify your e-mail – Steward');
    expect(mail.html).toContain('<a href="https://steward.test/verify?token=abc">');
    expect(mail.text).toContain('https://steward.test/verify?token=abc');
  });

  it('waits for a mail that has not arrived yet, and times out when none matches', async () => {
    const waiting = sink.waitForMessage((m) => m.to.includes('late@guild.test'), 2_000);
    await transport.sendMail({ from: 'a@steward.test', to: 'early@guild.test', subject: 'early', text: '1' });
    await transport.sendMail({ from: 'a@steward.test', to: 'late@guild.test', subject: 'late', text: '2' });

    await expect(waiting).resolves.toMatchObject({ subject: 'late' });
    expect(sink.messages.map((m) => m.subject)).toEqual(['early', 'late']);
    await expect(sink.waitForMessage((m) => m.subject === 'never', 50)).rejects.toThrow(
      'No matching mail arrived within 50 ms (2 received)',
    );
  });

  it('accepts a client that logs in with any credentials', async () => {
    const withLogin = nodemailer.createTransport(sink.url.replace('smtp://', 'smtp://user:secret@'));
    await withLogin.sendMail({
      from: 'a@steward.test',
      to: 'b@guild.test',
      subject: 'with login',
      text: 'hi',
    });
    withLogin.close();

    await expect(sink.waitForMessage()).resolves.toMatchObject({ subject: 'with login' });
  });
});
