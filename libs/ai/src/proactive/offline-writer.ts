import type { KnowledgePassage } from '../engine.js';
import { detectLanguage } from '../language/detect-language.js';
import type { Language } from '../language/languages.js';
import { sentences } from '../text/tokens.js';
import { PROACTIVE_CLOSERS, PROACTIVE_OPENERS, PROACTIVE_WITHOUT_KNOWLEDGE } from './phrases.js';
import {
  PROACTIVE_POST_MAX_CHARS,
  validateProactivePostInput,
  type ProactivePost,
  type ProactivePostInput,
  type ProactiveWriter,
} from './proactive.js';
import { maxSimilarity } from './similarity.js';

export interface OfflineProactiveWriterOptions {
  /** How many of the best passages a post may lead with. */
  maxPassages?: number;
  /** Sentences quoted from the lead passage. */
  sentencesPerPost?: number;
  /** The body stays under this length. */
  maxBodyChars?: number;
  /** Drafts compared with the recent posts before the least similar is chosen. */
  maxDrafts?: number;
}

const DEFAULTS: Required<OfflineProactiveWriterOptions> = {
  maxPassages: 4,
  sentencesPerPost: 3,
  maxBodyChars: 700,
  maxDrafts: 60,
};

/** A short line without sentence punctuation is a heading, not something to post. */
const HEADING_MAX_WORDS = 4;

interface Draft {
  text: string;
  documentId?: string;
}

/**
 * Writes posts without a model: an opening line naming the topic, a few sentences quoted from
 * one of the topic's best passages, and an invitation to ask. Which passage leads, where its
 * excerpt starts and which opening and closing lines are used rotate; of the drafts this gives,
 * the one least like the recent posts is chosen, so consecutive posts differ.
 */
export class OfflineProactiveWriter implements ProactiveWriter {
  readonly name = 'offline' as const;
  private readonly options: Required<OfflineProactiveWriterOptions>;

  constructor(options: OfflineProactiveWriterOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  async composeProactivePost(input: ProactivePostInput): Promise<ProactivePost> {
    validateProactivePostInput(input);
    const drafts = [...this.drafts(input)];
    // Nothing quotable (no passages, or headings only): a post about the topic itself.
    if (drafts.length === 0) drafts.push(...templateDrafts(input));
    let best: { draft: Draft; similarity: number } | undefined;
    for (const draft of drafts) {
      const similarity = maxSimilarity(draft.text, input.recentPosts, input.language);
      if (!best || similarity < best.similarity) best = { draft, similarity };
      if (similarity === 0) break;
    }
    const chosen = best!.draft;
    return {
      text: chosen.text,
      sourceDocumentIds: chosen.documentId ? [chosen.documentId] : [],
      engine: this.name,
    };
  }

  /** Drafts in rotating order: the number of recent posts moves every choice on by one. */
  private *drafts(input: ProactivePostInput): Generator<Draft> {
    const { language } = input;
    const topic = input.topic.trim();
    const turn = input.recentPosts.length;
    const openers = rotate(PROACTIVE_OPENERS[language], turn);
    const closers = rotate(PROACTIVE_CLOSERS[language], turn);
    const passages = rotate(
      input.passages.filter((passage) => passage.content.trim()).slice(0, this.options.maxPassages),
      turn,
    );
    let count = 0;
    for (const passage of passages) {
      const excerpts = this.excerpts(passage, language, turn);
      for (const [excerptIndex, excerpt] of excerpts.entries()) {
        for (let index = 0; index < openers.length; index++) {
          if (count++ >= this.options.maxDrafts) return;
          const opener = openers[(index + excerptIndex) % openers.length]!;
          const closer = closers[(index + excerptIndex) % closers.length]!;
          yield { text: compose(opener, topic, excerpt, closer), documentId: passage.documentId };
        }
      }
    }
  }

  /** Windows of consecutive sentences of a passage, each starting one sentence later. */
  private excerpts(passage: KnowledgePassage, language: Language, turn: number): string[] {
    const passageLanguage = passage.language ?? detectLanguage(passage.content, language);
    const lines = sentences(passage.content, passageLanguage).filter((sentence) => !isHeadingLine(sentence));
    if (lines.length === 0) return [];
    const windows: string[] = [];
    const starts = rotate(
      lines.map((_, index) => index),
      turn,
    );
    for (const start of starts) {
      const quoted: string[] = [];
      let length = 0;
      for (let index = start; index < lines.length && quoted.length < this.options.sentencesPerPost; index++) {
        const line = lines[index]!;
        if (quoted.length > 0 && length + line.length > this.options.maxBodyChars) break;
        quoted.push(line);
        length += line.length;
      }
      windows.push(truncate(quoted.join(' '), this.options.maxBodyChars));
    }
    return windows;
  }
}

function templateDrafts(input: ProactivePostInput): Draft[] {
  const openers = rotate(PROACTIVE_OPENERS[input.language], input.recentPosts.length);
  const closers = rotate(PROACTIVE_CLOSERS[input.language], input.recentPosts.length);
  return openers.map((opener, index) => ({
    text: compose(opener, input.topic.trim(), PROACTIVE_WITHOUT_KNOWLEDGE[input.language], closers[index % closers.length]!),
  }));
}

function compose(opener: string, topic: string, body: string, closer: string): string {
  const text = `${opener.replace('{topic}', topic)}\n${body}\n\n${closer}`;
  return truncate(text, PROACTIVE_POST_MAX_CHARS);
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const offset = by % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function isHeadingLine(text: string): boolean {
  return !/[.!?:;。]$/.test(text) && text.split(/\s+/).length <= HEADING_MAX_WORDS;
}
