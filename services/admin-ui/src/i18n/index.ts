/**
 * Translations: en, ru, de, fr, id, tr. The browser's language is the default (a choice in
 * the language picker is remembered). Opening any page with `?i18n-check` switches off the
 * English fallback and records every string the language lacks in
 * `window.stewardMissingTranslations`, so translators (and the browser tests) see gaps.
 */
import i18n, { type BackendModule } from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'ru', label: 'Русский' },
  { code: 'de', label: 'Deutsch' },
  { code: 'fr', label: 'Français' },
  { code: 'id', label: 'Bahasa Indonesia' },
  { code: 'tr', label: 'Türkçe' },
] as const;
export type LanguageCode = (typeof LANGUAGES)[number]['code'];

declare global {
  interface Window {
    stewardMissingTranslations?: string[];
  }
}

/** English ships with the app (it is the fallback); every other language is its own chunk, loaded when chosen. */
const lazyLocales: BackendModule = {
  type: 'backend',
  init: () => undefined,
  read: (language, _namespace, callback) => {
    import(`./locales/${language}.json`).then(
      (module: { default: Record<string, unknown> }) => callback(null, module.default),
      (error: Error) => callback(error, false),
    );
  },
};

const checking = new URLSearchParams(window.location.search).has('i18n-check');
if (checking) window.stewardMissingTranslations = [];

void i18n
  .use(lazyLocales)
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { en: { translation: en } },
    partialBundledLanguages: true,
    supportedLngs: LANGUAGES.map((language) => language.code),
    nonExplicitSupportedLngs: true,
    load: 'languageOnly',
    fallbackLng: checking ? false : 'en',
    interpolation: { escapeValue: false },
    returnEmptyString: false,
    saveMissing: checking,
    missingKeyHandler: (languages, _namespace, key) => {
      const entry = `${languages.join(',')}:${key}`;
      if (!window.stewardMissingTranslations?.includes(entry)) window.stewardMissingTranslations?.push(entry);
      console.error(`Missing translation ${entry}`);
    },
    detection: {
      order: ['querystring', 'localStorage', 'navigator'],
      lookupQuerystring: 'lng',
      lookupLocalStorage: 'steward.language',
      caches: ['localStorage'],
    },
  });

const setDocumentLanguage = (language: string) => document.documentElement.setAttribute('lang', language);
setDocumentLanguage(i18n.resolvedLanguage ?? 'en');
i18n.on('languageChanged', setDocumentLanguage);

export default i18n;
