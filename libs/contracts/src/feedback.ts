/**
 * The custom id of an answer's feedback buttons: `feedback:<up|down>:<turn id>`, within
 * Discord's 100 characters. The interactions service reads it back when a member presses one.
 */
const PREFIX = 'feedback';
/** Discord's limit on a component's custom id. */
const CUSTOM_ID_LIMIT = 100;

export function feedbackCustomId(turnId: string, helpful: boolean): string | undefined {
  const customId = `${PREFIX}:${helpful ? 'up' : 'down'}:${turnId}`;
  return customId.length <= CUSTOM_ID_LIMIT ? customId : undefined;
}

/** The vote a custom id stands for; undefined when it is not a feedback button's. */
export function parseFeedbackCustomId(customId: string): { turnId: string; helpful: boolean } | undefined {
  const match = /^feedback:(up|down):(.+)$/s.exec(customId);
  if (!match) return undefined;
  return { turnId: match[2]!, helpful: match[1] === 'up' };
}
