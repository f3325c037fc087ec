import type { Threshold } from './thresholds.js';

export interface ThresholdEmailFacts {
  tenantId: string;
  planName: string;
  threshold: Threshold;
  used: number;
  quota: number;
  /** YYYY-MM-DD, start inclusive, end exclusive. */
  periodStart: string;
  periodEnd: string;
}

const numbers = new Intl.NumberFormat('en-US');
const dates = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const DAY_MS = 24 * 60 * 60 * 1000;

/** The subject and plain-text body of a quota e-mail, in English, with the numbers. */
export function composeThresholdEmail(facts: ThresholdEmailFacts): { subject: string; text: string } {
  const used = numbers.format(facts.used);
  const quota = numbers.format(facts.quota);
  const lastDay = dates.format(new Date(Date.parse(facts.periodEnd) - DAY_MS));
  const renews = dates.format(new Date(Date.parse(facts.periodEnd)));
  const period = `${dates.format(new Date(Date.parse(facts.periodStart)))} – ${lastDay}`;
  if (facts.threshold === 100) {
    return {
      subject: `Steward: your monthly message quota is used up (${used} of ${quota})`,
      text: [
        'Hello,',
        '',
        `your Steward workspace "${facts.tenantId}" has used all ${quota} messages of its ${facts.planName} plan for the period ${period}.`,
        '',
        'Until the quota renews, Steward does not answer questions, run moderation checks or publish proactive posts. ' +
          'Your members are not told about this each time; the bot simply stays quiet.',
        '',
        `The quota renews on ${renews}. To continue before then, upgrade your plan in the Steward dashboard; an upgrade takes effect at once.`,
        '',
        '— Steward',
      ].join('\n'),
    };
  }
  return {
    subject: `Steward: ${facts.threshold} % of your monthly messages used (${used} of ${quota})`,
    text: [
      'Hello,',
      '',
      `your Steward workspace "${facts.tenantId}" has used ${used} of the ${quota} messages of its ${facts.planName} plan ` +
        `(${facts.threshold} %) for the period ${period}.`,
      '',
      'Every AI answer, moderation check and proactive post counts as one message. When all of them are used, ' +
        `Steward stops answering, moderating and posting until the quota renews on ${renews}.`,
      '',
      'To avoid an interruption, upgrade your plan in the Steward dashboard; an upgrade takes effect at once.',
      '',
      '— Steward',
    ].join('\n'),
  };
}
