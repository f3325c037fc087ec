/** The languages Steward answers in; every other language is answered in English. */
export type Language = 'en' | 'ru' | 'de' | 'fr' | 'id' | 'tr';

export const SUPPORTED_LANGUAGES: Language[] = ['en', 'ru', 'de', 'fr', 'id', 'tr'];

const TEXT_SEARCH_CONFIGS: Record<Language, string> = {
  en: 'english',
  ru: 'russian',
  de: 'german',
  fr: 'french',
  id: 'indonesian',
  tr: 'turkish',
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (SUPPORTED_LANGUAGES as string[]).includes(value);
}

/** The Postgres full-text search configuration (`to_tsvector(config, ...)`) for a language. */
export function textSearchConfig(language: Language): string {
  const config = TEXT_SEARCH_CONFIGS[language];
  if (!config)
    throw new Error(
      `Unsupported language "${String(language)}"; expected one of ${SUPPORTED_LANGUAGES.join(', ')}`,
    );
  return config;
}

/**
 * The supported language of a locale tag such as Discord's `de`, `pt-BR` or `en-US`,
 * or undefined when the tag names another language. Discord has no Indonesian locale
 * of its own but `id` is accepted, as is the legacy `in`.
 */
export function languageFromLocale(locale: string | undefined | null): Language | undefined {
  if (!locale) return undefined;
  const primary = locale.trim().toLowerCase().split(/[-_]/)[0];
  if (primary === 'in') return 'id';
  return isLanguage(primary) ? primary : undefined;
}
