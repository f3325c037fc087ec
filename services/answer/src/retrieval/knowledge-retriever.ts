import { Injectable } from '@nestjs/common';
import {
  isLanguage,
  textSearchConfig,
  type KnowledgePassage,
  type Language,
  type SearchQuery,
} from '@steward/ai';
import { DataSource, preparedQuery } from '@steward/db';
import { HEADING_SEPARATOR } from '../knowledge/chunking.js';
import { similarityWords } from './chunk-words.js';

/** What the answer path needs to know about a tenant's knowledge before searching it. */
export interface KnowledgeProfile {
  /** The languages of the tenant's indexed documents, most content first. */
  languages: Language[];
  /** Document titles and section headings, for the query rewrite to borrow their wording. */
  headings: string[];
  /** Estimated size of the whole knowledge base in tokens (characters / 4). */
  approxTokens: number;
}

export interface SearchOptions {
  /** How many passages to return. */
  limit: number;
  /** The member's language: passages written in it come first, as the member reads them best. */
  preferredLanguage?: Language;
  /**
   * The member's own words. Those the knowledge base does not contain (misspelt, most likely)
   * are also searched by trigram similarity.
   */
  question?: string;
}

interface PassageRow {
  id: string;
  documentId: string;
  title: string;
  heading: string;
  content: string;
  language: string;
  score: number;
}

const MAX_HEADINGS = 200;
/** How long a knowledge profile read by another replica's change may stay stale. */
const PROFILE_TTL_MS = 5_000;
const MAX_CACHED_PROFILES = 10_000;
/** Hits fetched per language before merging. */
const CANDIDATES_PER_LANGUAGE = 20;
/** Queries this short (in search words) get the trigram search for all their words. */
const SHORT_QUERY_WORDS = 3;
/** Word similarity a misspelt word needs to count as the same word (the service's session setting). */
export const TRIGRAM_THRESHOLD = 0.5;
/** Trigram hits are guesses: they rank below comparable full-text hits. */
const TRIGRAM_SCORE_WEIGHT = 0.6;

/**
 * Searches a tenant's indexed chunks: full text per language of the knowledge base (the
 * rewritten terms OR-ed, stemmed by each language's configuration, ranked by cover density
 * normalised into 0..1 as rank / (rank + 1)), plus trigram word similarity, against the
 * tenant's vocabulary of chunk words, for the words that may be misspelt: all of them when the
 * full text finds nothing or there are only a few, else the member's own words that no chunk
 * contains. Everything is scoped by tenant.
 */
@Injectable()
export class KnowledgeRetriever {
  private readonly profiles = new Map<string, { profile: Promise<KnowledgeProfile>; readAt: number }>();

  constructor(private readonly dataSource: DataSource) {}

  /**
   * The tenant's knowledge profile, read at most once per PROFILE_TTL_MS (three queries every
   * question asked again). This replica forgets it as soon as it changes the knowledge base
   * itself; a change made through another replica shows within the TTL. Passages are never
   * cached: a deleted document stops being cited at once.
   */
  profile(tenantId: string): Promise<KnowledgeProfile> {
    const cached = this.profiles.get(tenantId);
    if (cached && performance.now() - cached.readAt < PROFILE_TTL_MS) return cached.profile;
    if (this.profiles.size >= MAX_CACHED_PROFILES) this.profiles.clear();
    const entry = { profile: this.readProfile(tenantId), readAt: performance.now() };
    this.profiles.set(tenantId, entry);
    entry.profile.catch(() => {
      if (this.profiles.get(tenantId) === entry) this.profiles.delete(tenantId);
    });
    return entry.profile;
  }

  /** The tenant's documents changed here: the next question reads the profile again. */
  forget(tenantId: string): void {
    this.profiles.delete(tenantId);
  }

  private async readProfile(tenantId: string): Promise<KnowledgeProfile> {
    const [languages, titles, headings] = await Promise.all([
      this.dataSource.query(
        `SELECT language, sum(char_length(title) + char_length(content))::bigint AS chars
         FROM documents WHERE tenant_id = $1 AND status = 'indexed'
         GROUP BY language ORDER BY chars DESC, language`,
        [tenantId],
      ) as Promise<{ language: string; chars: string }[]>,
      this.dataSource.query(
        `SELECT title FROM documents WHERE tenant_id = $1 AND status = 'indexed' ORDER BY created_at, id LIMIT $2`,
        [tenantId, MAX_HEADINGS],
      ) as Promise<{ title: string }[]>,
      this.dataSource.query(
        `SELECT DISTINCT heading FROM chunks WHERE tenant_id = $1 AND heading <> '' ORDER BY heading LIMIT $2`,
        [tenantId, MAX_HEADINGS],
      ) as Promise<{ heading: string }[]>,
    ]);
    const chars = languages.reduce((sum, row) => sum + Number(row.chars), 0);
    const allHeadings = [
      ...titles.map((row) => row.title),
      ...headings.flatMap((row) => row.heading.split(HEADING_SEPARATOR)),
    ];
    return {
      languages: languages.map((row) => row.language).filter(isLanguage),
      headings: [...new Set(allHeadings.map((heading) => heading.trim()).filter(Boolean))].slice(
        0,
        MAX_HEADINGS,
      ),
      approxTokens: Math.ceil(chars / 4),
    };
  }

  /** Every indexed document, one passage each, in a stable order (a cacheable prompt prefix). */
  async wholeKnowledgeBase(tenantId: string): Promise<KnowledgePassage[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, title, content, language FROM documents
       WHERE tenant_id = $1 AND status = 'indexed' ORDER BY created_at, id`,
      [tenantId],
    )) as { id: string; title: string; content: string; language: string | null }[];
    return rows.map((row) => ({
      documentId: row.id,
      title: row.title,
      content: row.content,
      score: 1,
      ...(isLanguage(row.language) ? { language: row.language } : {}),
    }));
  }

  /** The best passages for the query, merged across languages and methods, scores in 0..1. */
  async search(
    tenantId: string,
    query: SearchQuery,
    knowledgeLanguages: readonly Language[],
    options: SearchOptions,
  ): Promise<KnowledgePassage[]> {
    const terms = [...new Set(query.terms.map((term) => term.trim()).filter(Boolean))];
    if (terms.length === 0 || knowledgeLanguages.length === 0) return [];
    const [fullText, unknownWords] = await Promise.all([
      Promise.all(knowledgeLanguages.map((language) => this.fullTextSearch(tenantId, terms, language))).then(
        (hits) => hits.flat(),
      ),
      this.wordsNotInKnowledge(tenantId, similarityWords(options.question ?? ''), knowledgeLanguages),
    ]);
    const searchWords = terms.flatMap((term) => term.split(/\s+/));
    // Similar words are guesses, so only the words that may be misspelt are searched that way:
    // every search word when the full text found nothing or there are only a few, else the
    // member's own words that no chunk contains (a word the full text knows needs no guess).
    const similarWords =
      fullText.length === 0 || searchWords.length <= SHORT_QUERY_WORDS
        ? similarityWords(terms.join(' '))
        : unknownWords;
    const similar = similarWords.length > 0 ? await this.similarWordSearch(tenantId, similarWords) : [];

    const best = new Map<string, PassageRow>();
    for (const row of [...fullText, ...similar]) {
      const known = best.get(row.id);
      if (!known || row.score > known.score) best.set(row.id, row);
    }
    const foreign = (row: PassageRow) => (row.language === options.preferredLanguage ? 0 : 1);
    return [...best.values()]
      .sort((a, b) => foreign(a) - foreign(b) || b.score - a.score || Number(a.id) - Number(b.id))
      .slice(0, options.limit)
      .map(toPassage);
  }

  private async fullTextSearch(tenantId: string, terms: string[], language: Language): Promise<PassageRow[]> {
    const { rows } = await preparedQuery<PassageRow>(
      this.dataSource,
      'answer_full_text_search',
      `WITH terms AS (
         SELECT q FROM unnest($3::text[]) AS t(term),
                LATERAL plainto_tsquery($2::regconfig, unaccent(t.term)) AS q
         WHERE numnode(q) > 0
       ), query AS (SELECT tsquery_or_all(q) AS q FROM terms)
       SELECT c.id, c.document_id AS "documentId", d.title, c.heading, c.content, c.language,
              ts_rank_cd(c.search_vector, query.q, 32) AS score
       FROM query, chunks c JOIN documents d ON d.id = c.document_id
       WHERE c.tenant_id = $1 AND c.language = $4 AND d.status = 'indexed' AND c.search_vector @@ query.q
       ORDER BY score DESC, c.id
       LIMIT $5`,
      [tenantId, textSearchConfig(language), terms, language, CANDIDATES_PER_LANGUAGE],
    );
    return rows.map((row) => ({ ...row, score: Number(row.score) }));
  }

  /**
   * The words that no chunk of the tenant contains in any of its languages (stop words count as
   * contained), by the full-text index.
   */
  private async wordsNotInKnowledge(
    tenantId: string,
    words: string[],
    knowledgeLanguages: readonly Language[],
  ): Promise<string[]> {
    if (words.length === 0) return [];
    const { rows } = await preparedQuery<{ word: string }>(
      this.dataSource,
      'answer_words_not_in_knowledge',
      `SELECT w AS word FROM unnest($2::text[]) AS w
       WHERE NOT EXISTS (
         SELECT FROM unnest($3::regconfig[], $4::text[]) AS l(config, language),
                LATERAL plainto_tsquery(l.config, unaccent(w)) AS q
         WHERE numnode(q) = 0
            OR EXISTS (SELECT FROM chunks c
                       WHERE c.tenant_id = $1 AND c.language = l.language AND c.search_vector @@ q))`,
      [
        tenantId,
        words,
        knowledgeLanguages.map((language) => textSearchConfig(language)),
        [...knowledgeLanguages],
      ],
    );
    return rows.map((row) => row.word);
  }

  /**
   * Chunks containing words similar to the given ones (misspellings, partial words), scored by
   * how close each given word comes to one of the chunk's words (0 for a word none resembles),
   * averaged. The tenant's vocabulary is searched, not the chunks' text: a trigram index of
   * short words answers in a fraction of a millisecond, where comparing a word with every
   * chunk's whole text took tens.
   */
  private async similarWordSearch(tenantId: string, words: string[]): Promise<PassageRow[]> {
    // `v.word %> w` is the indexable form of word_similarity(w, v.word) >= the session's
    // pg_trgm.word_similarity_threshold, which every connection of this service starts with.
    const { rows } = await preparedQuery<PassageRow>(
      this.dataSource,
      'answer_similar_word_search',
      `WITH matched AS (
         SELECT m.chunk_id, max(m.similarity) AS similarity
         FROM unnest($2::text[]) AS w(word)
         CROSS JOIN LATERAL (SELECT v.chunk_id, word_similarity(w.word, v.word) AS similarity
                             FROM chunk_words v
                             WHERE v.tenant_id = $1 AND v.word %> w.word) AS m
         GROUP BY m.chunk_id, w.word
       ), scored AS (
         SELECT chunk_id, sum(similarity) / cardinality($2::text[]) AS score FROM matched GROUP BY chunk_id
       )
       SELECT c.id, c.document_id AS "documentId", d.title, c.heading, c.content, c.language, s.score
       FROM scored s JOIN chunks c ON c.id = s.chunk_id JOIN documents d ON d.id = c.document_id
       WHERE d.status = 'indexed'
       ORDER BY s.score DESC, c.id
       LIMIT $3`,
      [tenantId, words, CANDIDATES_PER_LANGUAGE],
    );
    return rows.map((row) => ({ ...row, score: Number(row.score) * TRIGRAM_SCORE_WEIGHT }));
  }
}

function toPassage(row: PassageRow): KnowledgePassage {
  return {
    documentId: row.documentId,
    title: row.title,
    ...(row.heading ? { heading: row.heading } : {}),
    content: row.content,
    score: Math.min(1, Math.max(0, row.score)),
    ...(isLanguage(row.language) ? { language: row.language } : {}),
  };
}
