import { feedbackCustomId, parseFeedbackCustomId } from './feedback.js';

describe('feedback button custom ids', () => {
  it('carry the vote and the turn there and back', () => {
    expect(feedbackCustomId('msg:1234567890123456789', true)).toBe('feedback:up:msg:1234567890123456789');
    expect(parseFeedbackCustomId('feedback:down:ia:42')).toEqual({ turnId: 'ia:42', helpful: false });
  });

  it('are left out when the turn id would pass Discord’s 100 characters, and foreign ids are not votes', () => {
    expect(feedbackCustomId('t'.repeat(88), true)).toBe(`feedback:up:${'t'.repeat(88)}`);
    expect(feedbackCustomId('t'.repeat(89), true)).toBeUndefined();
    expect(parseFeedbackCustomId('feedback:maybe:ia:42')).toBeUndefined();
    expect(parseFeedbackCustomId('feedback:up:')).toBeUndefined();
    expect(parseFeedbackCustomId('ticket:open')).toBeUndefined();
  });
});
