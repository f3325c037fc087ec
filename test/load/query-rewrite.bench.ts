/**
 * npm run bench:query-rewrite [-- --questions 2000]
 *
 * The offline engine's search terms for a question (`OfflineEngine.rewriteQuery`), which the
 * answer service computes for every question before it searches: the question's terms plus
 * the words of the knowledge base's own titles and headings that mean the same. Its cost grows
 * with the number of headings (up to 200 per tenant), so it is measured for knowledge bases of
 * 200, 20 and 2 headings, and for the first question at 200 (no heading analysed yet, as after
 * a restart). Pure CPU on one thread: no NATS, no Postgres.
 */
import { OfflineEngine, type Language } from '@steward/ai';
import { latencySummary, numberFlags, report } from './src/bench-kit.js';
import { fillerDocuments } from './src/filler-knowledge.js';
import { BENCH_KNOWLEDGE, BENCH_QUESTIONS } from './src/reply-driver.js';

const flags = numberFlags({ questions: 2_000 });

const QUESTIONS: Array<[string, Language]> = [
  ...BENCH_QUESTIONS.map((question): [string, Language] => [question, 'en']),
  ['Wie setze ich mein Passwort zurück?', 'de'],
  ['Как вернуть деньги за заказ?', 'ru'],
];
const KNOWLEDGE_LANGUAGES: Language[] = ['en', 'de'];

/** Titles, then section headings, of a knowledge base with `count` headings. */
function knowledgeHeadings(count: number): string[] {
  const documents = [
    ...BENCH_KNOWLEDGE.map((document) => ({ ...document, sections: [] })),
    // Each article gives a title and four section headings.
    ...fillerDocuments(Math.ceil(count / 5)),
  ];
  return [
    ...documents.map((document) => document.title),
    ...documents.flatMap((document) => document.sections),
  ].slice(0, count);
}

const engine = new OfflineEngine();
const rows: Record<string, string | number> = { 'questions per size': flags.questions };
// Largest first: its first question finds no heading analysed yet (the smaller knowledge bases'
// headings are among its own, so theirs are all known).
const SIZES = [200, 20, 2];
for (const size of SIZES) {
  const headings = knowledgeHeadings(size);
  const ask = async (n: number) => {
    const [question, language] = QUESTIONS[n % QUESTIONS.length]!;
    const started = performance.now();
    await engine.rewriteQuery(question, language, KNOWLEDGE_LANGUAGES, headings);
    return performance.now() - started;
  };
  const first = await ask(0);
  if (size === SIZES[0])
    rows[`${size} headings: first question, no heading analysed yet (ms)`] = first.toFixed(2);
  const samples: number[] = [];
  const started = performance.now();
  for (let n = 1; n <= flags.questions; n++) samples.push(await ask(n));
  const perSecond = flags.questions / ((performance.now() - started) / 1000);
  const { p50, p99 } = latencySummary(samples);
  rows[`${size} headings: p50 / p99 per question (ms)`] = `${p50.toFixed(3)} / ${p99.toFixed(3)}`;
  rows[`${size} headings: questions per second, one core`] = Math.round(perSecond);
}
report('query rewrite: offline search terms per question, by knowledge-base size', rows);
