import { composeEscalationEmail, takeoverLink } from './escalation-email.js';

describe('escalation e-mail', () => {
  const base = {
    conversationId: '111111111111111111:222222222222222222:333333333333333333',
    authorName: 'alice',
    escalatedAt: new Date('2025-03-10T14:05:00Z'),
    publicUrl: 'https://steward.example.com/',
  };

  it('links to the conversation on the live page', () => {
    expect(takeoverLink(base.publicUrl, base.conversationId)).toBe(
      'https://steward.example.com/live?conversation=111111111111111111:222222222222222222:333333333333333333',
    );
  });

  it('names the member, quotes the request and shows the transcript, oldest first', () => {
    const { subject, text } = composeEscalationEmail({
      ...base,
      question: 'I want to talk to a human',
      transcript: [
        {
          role: 'member',
          authorName: 'alice',
          content: 'Where is my order?',
          sources: [],
          at: '2025-03-10T14:00:00Z',
        },
        {
          role: 'bot',
          authorName: 'Steward',
          content: 'It ships in two days.',
          sources: [],
          at: '2025-03-10T14:00:02Z',
        },
        {
          role: 'member',
          authorName: 'alice',
          content: 'I want to talk to a human',
          sources: [],
          at: '2025-03-10T14:05:00Z',
        },
      ],
    });
    expect(subject).toBe('Steward: alice asked to talk to a person');
    expect(text).toContain('  "I want to talk to a human"');
    expect(text).toContain(
      'https://steward.example.com/live?conversation=111111111111111111:222222222222222222:333333333333333333',
    );
    const transcript = text.slice(text.indexOf('The conversation so far'));
    expect(transcript.split('\n').filter((line) => line.startsWith('['))).toEqual([
      '[10 Mar, 14:00 UTC] alice: Where is my order?',
      '[10 Mar, 14:00 UTC] Steward: It ships in two days.',
      '[10 Mar, 14:05 UTC] alice: I want to talk to a human',
    ]);
  });

  it('adds the request when its turn has not been recorded yet', () => {
    const { text } = composeEscalationEmail({ ...base, question: 'Позовите человека', transcript: [] });
    expect(text).toContain('[10 Mar, 14:05 UTC] alice: Позовите человека');
  });
});
