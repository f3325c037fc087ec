import { composeThresholdEmail } from './threshold-email.js';

const facts = {
  tenantId: 'acme',
  planName: 'Starter',
  used: 2_000,
  quota: 2_500,
  periodStart: '2025-03-01',
  periodEnd: '2025-04-01',
} as const;

describe('quota e-mails', () => {
  it('tells the tenant at 80 % how much is used, of what, and when it renews', () => {
    const mail = composeThresholdEmail({ ...facts, threshold: 80 });
    expect(mail.subject).toBe('Steward: 80 % of your monthly messages used (2,000 of 2,500)');
    expect(mail.text).toContain(
      'has used 2,000 of the 2,500 messages of its Starter plan (80 %) for the period 1 March 2025 – 31 March 2025',
    );
    expect(mail.text).toContain('renews on 1 April 2025');
  });

  it('says at 100 % that the bot stops spending AI until the quota renews', () => {
    const mail = composeThresholdEmail({ ...facts, used: 2_500, threshold: 100 });
    expect(mail.subject).toBe('Steward: your monthly message quota is used up (2,500 of 2,500)');
    expect(mail.text).toContain('has used all 2,500 messages of its Starter plan');
    expect(mail.text).toContain(
      'does not answer questions, run moderation checks or publish proactive posts',
    );
    expect(mail.text).toContain('The quota renews on 1 April 2025');
  });
});
