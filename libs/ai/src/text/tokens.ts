import type { Language } from '../language/languages.js';

/** Discord markup that carries no words: user, role and channel mentions, custom emoji, timestamps. */
const DISCORD_MARKUP = /<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:\d+(?::[tTdDfFR])?)>/g;
const URL = /\bhttps?:\/\/\S+/gi;
/** A word: letters and digits, with inner apostrophes and hyphens ("l'équipe", "e-mail", "don't"). */
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
/** French elisions and the English possessive, which stop words and stemmers do not expect. */
const FRENCH_ELISION = /^(?:[lcdjmnst]|qu|jusqu|lorsqu|puisqu)['’]/;
const ENGLISH_POSSESSIVE = /['’]s$/;

/** Removes Discord mentions, custom emoji and links, which say nothing about the language or topic. */
export function stripDiscordMarkup(text: string): string {
  return text.replace(DISCORD_MARKUP, ' ').replace(URL, ' ');
}

/** Lower case with the language's casing rules (Turkish dotted and dotless i). */
export function lowerCase(text: string, language: Language): string {
  return text.toLocaleLowerCase(language === 'tr' ? 'tr' : language === 'de' ? 'de' : 'en');
}

/** Lower-cased words of a text, without markup, elisions and possessives. */
export function words(text: string, language: Language): string[] {
  const found = lowerCase(stripDiscordMarkup(text), language).match(WORD) ?? [];
  return found.map((word) => {
    const normalized = word.replace(/’/g, "'");
    if (language === 'fr') return normalized.replace(FRENCH_ELISION, '');
    if (language === 'en') return normalized.replace(ENGLISH_POSSESSIVE, '');
    return normalized;
  });
}

/** Folds diacritics so "sifre" meets "şifre" and "resume" meets "résumé"; dotless ı becomes i. */
export function foldDiacritics(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/ı/g, 'i')
    .replace(/ß/g, 'ss');
}

const sentenceSegmenters = new Map<Language, Intl.Segmenter>();

/** The sentences of a text, by Unicode sentence boundaries, with line breaks as boundaries too. */
export function sentences(text: string, language: Language): string[] {
  let segmenter = sentenceSegmenters.get(language);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(language, { granularity: 'sentence' });
    sentenceSegmenters.set(language, segmenter);
  }
  const result: string[] = [];
  // Knowledge articles use lines for list items and steps; each is a sentence of its own.
  for (const line of text.split(/\n+/)) {
    let marker = '';
    for (const { segment } of segmenter.segment(line)) {
      const sentence = segment.trim();
      // The segmenter ends a sentence after a list number ("1."); it belongs to the item.
      if (/^\d{1,2}[.)]$/.test(sentence)) marker = `${sentence} `;
      else if (sentence) {
        result.push(marker + sentence);
        marker = '';
      }
    }
    if (marker) result.push(marker.trim());
  }
  return result;
}
