import type { Language } from '@steward/ai';

/** Discord's limit on a message's content. */
export const DISCORD_MESSAGE_LIMIT = 2_000;
/** A longer answer is cut after this many messages, so one question cannot flood a channel. */
export const MAX_REPLY_MESSAGES = 4;
const MAX_SOURCES = 5;
const ELLIPSIS = ' …';

const SOURCES_LABEL: Record<Language, string> = {
  en: 'Sources',
  ru: 'Источники',
  de: 'Quellen',
  fr: 'Sources',
  id: 'Sumber',
  tr: 'Kaynaklar',
};

/** The sources as Discord small text (`-# Sources: A · B`), or undefined without sources. */
export function sourcesLine(titles: readonly string[], language: Language): string | undefined {
  const unique = [...new Set(titles.map((title) => title.replace(/\s+/g, ' ').trim()).filter(Boolean))];
  if (unique.length === 0) return undefined;
  return `-# ${SOURCES_LABEL[language]}: ${unique.slice(0, MAX_SOURCES).join(' · ')}`;
}

/**
 * The reply as Discord messages: the answer, then the sources line on the last one. An answer
 * longer than a message is split at sentence (or line) boundaries; past `maxMessages` the
 * rest is cut at a sentence boundary and marked with an ellipsis.
 */
export function replyMessages(
  answer: string,
  sources: string | undefined,
  { limit = DISCORD_MESSAGE_LIMIT, maxMessages = MAX_REPLY_MESSAGES } = {},
): string[] {
  const text = answer.trim();
  const suffix = sources ? `\n${sources}` : '';
  if (text.length + suffix.length <= limit) return [text + suffix];
  let parts = splitAtSentences(text, limit);
  if (parts.length > maxMessages) {
    parts = parts.slice(0, maxMessages);
    parts[maxMessages - 1] = withEllipsis(parts[maxMessages - 1]!, limit);
  }
  const last = parts.length - 1;
  if (parts[last]!.length + suffix.length <= limit) parts[last] += suffix;
  else if (sources && parts.length < maxMessages) parts.push(sources);
  else if (sources) parts[last] = withEllipsis(parts[last]!, limit - suffix.length) + suffix;
  return parts;
}

/** One message at most: the text cut at the last sentence boundary that fits, with an ellipsis. */
export function singleMessage(
  answer: string,
  sources: string | undefined,
  limit = DISCORD_MESSAGE_LIMIT,
): string {
  const text = answer.trim();
  const suffix = sources ? `\n${sources}` : '';
  if (text.length + suffix.length <= limit) return text + suffix;
  return withEllipsis(text, limit - suffix.length) + suffix;
}

/** Pieces of at most `limit` characters, each ending at a sentence or line boundary when one fits. */
export function splitAtSentences(text: string, limit: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const unit of sentenceUnits(text).flatMap((unit) => splitAtSpaces(unit, limit))) {
    if (current && (current + unit).trimEnd().length > limit) {
      parts.push(current.trimEnd());
      current = unit.trimStart();
    } else {
      current += unit;
    }
  }
  if (current.trim()) parts.push(current.trimEnd());
  return parts;
}

/** Text that was cut: as much of it as fits before the ellipsis, ending at a sentence boundary. */
function withEllipsis(text: string, limit: number): string {
  const room = limit - ELLIPSIS.length;
  const kept = text.length <= room ? text : (splitAtSentences(text, room)[0] ?? '');
  return `${kept}${ELLIPSIS}`;
}

/** The text cut after each sentence end and each line break; the pieces join back to the text. */
function sentenceUnits(text: string): string[] {
  return text.split(/(?<=[.!?…。][)"'”»\]*_]*\s+)|(?<=\n)/u).filter((unit) => unit.length > 0);
}

function splitAtSpaces(unit: string, limit: number): string[] {
  if (unit.length <= limit) return [unit];
  const pieces: string[] = [];
  let rest = unit;
  while (rest.length > limit) {
    const space = rest.lastIndexOf(' ', limit);
    const cut = space > limit / 2 ? space + 1 : limit;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) pieces.push(rest);
  return pieces;
}
