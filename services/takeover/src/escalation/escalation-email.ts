import type { TranscriptTurn } from '@steward/contracts';

export interface EscalationEmailFacts {
  conversationId: string;
  authorName: string;
  question: string;
  escalatedAt: Date;
  /** Oldest first. */
  transcript: readonly TranscriptTurn[];
  /** The dashboard, e.g. https://steward.example.com */
  publicUrl: string;
}

/** Turns shown in the e-mail; the dashboard has the rest. */
const MAX_TURNS = 30;
const times = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** Where an agent takes the conversation over. */
export function takeoverLink(publicUrl: string, conversationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/live?conversation=${encodeURIComponent(conversationId).replaceAll('%3A', ':')}`;
}

/** The subject and plain-text body of the e-mail sent when a member asks for a person. */
export function composeEscalationEmail(facts: EscalationEmailFacts): { subject: string; text: string } {
  const turns = [...facts.transcript];
  // The escalation can arrive before the turn that carries the question: show it anyway.
  const lastMember = turns.filter((turn) => turn.role === 'member').at(-1);
  if (lastMember?.content.trim() !== facts.question.trim()) {
    turns.push({
      role: 'member',
      authorName: facts.authorName,
      content: facts.question,
      sources: [],
      at: facts.escalatedAt.toISOString(),
    });
  }
  const shown = turns.slice(-MAX_TURNS);
  const omitted = turns.length - shown.length;
  const lines = shown.map((turn) => {
    const who =
      turn.role === 'member'
        ? turn.authorName
        : turn.role === 'bot'
          ? 'Steward'
          : `${turn.authorName} (agent)`;
    return `[${times.format(new Date(turn.at))} UTC] ${who}: ${indent(turn.content)}`;
  });
  return {
    subject: `Steward: ${facts.authorName} asked to talk to a person`,
    text: [
      'Hello,',
      '',
      `${facts.authorName} asked to talk to a person in Discord:`,
      '',
      `  "${facts.question}"`,
      '',
      'The member has been told that a person was notified. Take the conversation over in Steward',
      '(the AI stays silent while you answer, and resumes three minutes after your last message):',
      '',
      takeoverLink(facts.publicUrl, facts.conversationId),
      '',
      omitted > 0
        ? `The conversation so far (the last ${shown.length} of ${turns.length} messages):`
        : 'The conversation so far:',
      '',
      ...lines,
      '',
      '— Steward',
    ].join('\n'),
  };
}

function indent(text: string): string {
  return text.trim().replace(/\n/g, '\n    ');
}
