/**
 * Subjects of the proactive flow (stream STEWARD). The answer service uses the same names; the
 * payloads are the protobuf messages ProactiveDue and ProactivePostWritten.
 */
export const ProactiveSubjects = {
  due: 'steward.proactive.due',
  written: 'steward.proactive.written',
} as const;

const COMMAND_PREFIX = 'proactive:';

/** The run of a due slot: one per guild and slot, whichever replica creates it. */
export function runIdFor(guildId: string, dueAt: Date): string {
  return `${guildId}-${dueAt.getTime()}`;
}

/** Each attempt to post a run's text is its own Discord command: egress performs each once. */
export function postCommandId(runId: string, attempt: number): string {
  return `${COMMAND_PREFIX}${runId}:${attempt}`;
}

export function parsePostCommandId(commandId: string): { runId: string; attempt: number } | undefined {
  const match = /^proactive:(\d+-\d+):(\d+)$/.exec(commandId);
  return match ? { runId: match[1]!, attempt: Number(match[2]) } : undefined;
}

export function dueMessageId(runId: string, attempt: number): string {
  return `proactive-due:${runId}:${attempt}`;
}
