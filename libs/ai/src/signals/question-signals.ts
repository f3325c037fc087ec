import type { Language } from '../language/languages.js';
import { words } from '../text/tokens.js';

/** Words that open or mark a question, per language. */
const INTERROGATIVES: Record<Language, ReadonlySet<string>> = {
  en: new Set([
    'how',
    'why',
    'what',
    'when',
    'where',
    'which',
    'who',
    'whom',
    'whose',
    'can',
    'could',
    'does',
    'do',
    'did',
    'is',
    'are',
    'will',
    'would',
    'should',
    'anyone',
    'anybody',
  ]),
  ru: new Set([
    'как',
    'почему',
    'зачем',
    'что',
    'когда',
    'где',
    'куда',
    'откуда',
    'какой',
    'какая',
    'какие',
    'кто',
    'сколько',
    'можно',
    'ли',
    'подскажите',
    'скажите',
  ]),
  de: new Set([
    'wie',
    'warum',
    'wieso',
    'weshalb',
    'was',
    'wann',
    'wo',
    'wohin',
    'woher',
    'welche',
    'welcher',
    'welches',
    'wer',
    'kann',
    'können',
    'kannst',
    'gibt',
    'ist',
    'sind',
    'muss',
    'soll',
  ]),
  fr: new Set([
    'comment',
    'pourquoi',
    'quoi',
    'quand',
    'où',
    'quel',
    'quelle',
    'quels',
    'quelles',
    'qui',
    'combien',
    'est-ce',
    'peut-on',
    'puis-je',
    'pouvez-vous',
    'peux-tu',
  ]),
  id: new Set([
    'bagaimana',
    'gimana',
    'kenapa',
    'mengapa',
    'apa',
    'apakah',
    'kapan',
    'dimana',
    'mana',
    'siapa',
    'berapa',
    'bisakah',
    'bolehkah',
    'caranya',
    'cara',
  ]),
  tr: new Set([
    'nasıl',
    'neden',
    'niye',
    'ne',
    'nerede',
    'nereden',
    'nereye',
    'hangi',
    'kim',
    'kaç',
    'mı',
    'mi',
    'mu',
    'mü',
    'mısın',
    'misin',
    'musun',
    'müsün',
    'miyim',
    'mıyım',
    'acaba',
  ]),
};

/** Words of someone stuck: asking for help or reporting that something fails. */
const TROUBLE_PATTERNS: Record<Language, RegExp> = {
  en: /\b(?:help|error|issue|problem|bug|broken|crash\w*|fail\w*|stuck|can'?t|cannot|unable|doesn'?t work|not working|won'?t)\b/i,
  ru: /(?:помо[гщ]|ошибк|проблем|баг|не работает|не могу|не получается|сломал|вылета)/i,
  de: /(?:hilfe|helfen|fehler|problem|funktioniert nicht|geht nicht|kaputt|klappt nicht|kann nicht|absturz)/i,
  fr: /(?:aide|aider|erreur|probl[eè]me|bug|marche pas|fonctionne pas|bloqu[ée]|impossible|n'arrive pas)/i,
  id: /(?:tolong|bantu|error|masalah|gagal|tidak bisa|gak bisa|nggak bisa|ga bisa|rusak|kendala)/i,
  tr: /(?:yardım|hata|sorun|problem|çalışmıyor|olmuyor|yapamıyorum|açılmıyor|bozuk)/i,
};

const QUESTION_MARK = /[?？؟¿]/;

export function hasQuestionMark(text: string): boolean {
  return QUESTION_MARK.test(text);
}

/** Whether the text opens with, or (for Turkish particles) contains, an interrogative word. */
export function hasInterrogative(text: string, language: Language): boolean {
  const textWords = words(text, language);
  const interrogatives = INTERROGATIVES[language];
  if (textWords.length === 0) return false;
  // Turkish and Russian mark questions with particles anywhere ("... mı?", "... ли").
  if (language === 'tr' || language === 'ru') return textWords.some((word) => interrogatives.has(word));
  return textWords.slice(0, 3).some((word) => interrogatives.has(word));
}

export function hasTroubleWords(text: string, language: Language): boolean {
  return TROUBLE_PATTERNS[language].test(text) || (language !== 'en' && TROUBLE_PATTERNS.en.test(text));
}
