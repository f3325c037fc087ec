/** One passage of a document, with the headings above it. */
export interface TextChunk {
  /** The heading path, outermost first ("Account > Passwords"); empty before any heading. */
  heading: string;
  content: string;
}

export interface ChunkingOptions {
  /** A chunk grows paragraph by paragraph up to this many characters. */
  maxChars: number;
  /** A chunk shorter than this still takes in the next paragraph, up to 1.5 × maxChars. */
  minChars: number;
}

export const DEFAULT_CHUNKING: ChunkingOptions = { maxChars: 1_000, minChars: 600 };

export const HEADING_SEPARATOR = ' > ';

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;
const SENTENCE_END = /(?<=[.!?…。])\s+/u;

interface Section {
  headings: string[];
  paragraphs: string[];
}

/**
 * Splits Markdown (or plain text) into passages for retrieval: each heading starts a section,
 * and a section's paragraphs are packed into chunks of about 600–1,000 characters that never
 * cross a heading, so every chunk carries the heading path it sits under. A paragraph longer
 * than a chunk is cut at sentence boundaries; fenced code blocks stay whole where they fit.
 */
export function chunkMarkdown(text: string, options: ChunkingOptions = DEFAULT_CHUNKING): TextChunk[] {
  const chunks: TextChunk[] = [];
  for (const section of sections(text)) {
    const heading = section.headings.join(HEADING_SEPARATOR);
    const pieces = section.paragraphs.flatMap((paragraph) => splitLong(paragraph, options.maxChars));
    let current = '';
    for (const piece of pieces) {
      const joined = current ? `${current}\n\n${piece}` : piece;
      const full = current.length >= options.minChars ? options.maxChars : options.maxChars * 1.5;
      if (current && joined.length > full) {
        chunks.push({ heading, content: current });
        current = piece;
      } else {
        current = joined;
      }
    }
    if (current) chunks.push({ heading, content: current });
  }
  return chunks;
}

function sections(text: string): Section[] {
  const result: Section[] = [];
  const stack: { level: number; title: string }[] = [];
  let section: Section = { headings: [], paragraphs: [] };
  let paragraph: string[] = [];
  let inFence = false;

  const endParagraph = () => {
    const joined = paragraph.join('\n').trim();
    if (joined) section.paragraphs.push(joined);
    paragraph = [];
  };

  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(line)) {
      if (!inFence) endParagraph();
      inFence = !inFence;
      paragraph.push(line);
      if (!inFence) endParagraph();
      continue;
    }
    if (inFence) {
      paragraph.push(line);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      endParagraph();
      if (section.paragraphs.length > 0) result.push(section);
      const level = heading[1]!.length;
      while (stack.length > 0 && stack.at(-1)!.level >= level) stack.pop();
      stack.push({ level, title: heading[2]!.trim() });
      section = { headings: stack.map((entry) => entry.title), paragraphs: [] };
      continue;
    }
    if (line.trim() === '') endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  if (section.paragraphs.length > 0) result.push(section);
  return result;
}

/** A paragraph cut into pieces of at most `maxChars`, at sentence ends, else at spaces. */
function splitLong(paragraph: string, maxChars: number): string[] {
  if (paragraph.length <= maxChars) return [paragraph];
  const pieces: string[] = [];
  let current = '';
  for (const sentence of paragraph.split(SENTENCE_END).flatMap((s) => splitAtSpaces(s, maxChars))) {
    const joined = current ? `${current} ${sentence}` : sentence;
    if (current && joined.length > maxChars) {
      pieces.push(current);
      current = sentence;
    } else {
      current = joined;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

function splitAtSpaces(text: string, maxChars: number): string[] {
  if (text.length <= maxChars) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const cut = rest.lastIndexOf(' ', maxChars);
    const at = cut > maxChars / 2 ? cut : maxChars;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
