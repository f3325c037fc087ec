import type { Language } from './language/languages.js';

/** The honest reply when the knowledge base does not cover a question. */
export const NO_ANSWER_TEXT: Record<Language, string> = {
  en: "I don't have that in my knowledge base, so I won't guess. I've noted the question, and someone from the team can pick it up here.",
  ru: 'В моей базе знаний этого нет, поэтому гадать не буду. Я записал вопрос — кто-нибудь из команды сможет ответить здесь.',
  de: 'Dazu steht nichts in meiner Wissensdatenbank, also rate ich lieber nicht. Ich habe die Frage notiert – jemand aus dem Team kann hier übernehmen.',
  fr: "Je n'ai pas cette information dans ma base de connaissances, je préfère donc ne pas deviner. J'ai noté la question, quelqu'un de l'équipe pourra répondre ici.",
  id: 'Informasi itu tidak ada di basis pengetahuan saya, jadi saya tidak mau menebak. Pertanyaanmu sudah saya catat, dan tim bisa menjawabnya di sini.',
  tr: 'Bu bilgi bilgi tabanımda yok, bu yüzden tahminde bulunmayacağım. Soruyu not ettim; ekipten biri burada yanıtlayabilir.',
};

/** The reply when a member asks for a person. */
export const ESCALATION_TEXT: Record<Language, string> = {
  en: "I've let the team know. A person will reply to you here.",
  ru: 'Я сообщил команде. Вам ответит человек здесь.',
  de: 'Ich habe dem Team Bescheid gegeben. Ein Mensch antwortet dir hier.',
  fr: "J'ai prévenu l'équipe. Une personne vous répondra ici.",
  id: 'Saya sudah memberi tahu tim. Seseorang akan membalasmu di sini.',
  tr: 'Ekibe haber verdim. Bir kişi sana burada yanıt verecek.',
};

/** Opens an answer quoted from the knowledge base by the offline engine. */
export const QUOTED_ANSWER_LEAD_IN: Record<Language, string> = {
  en: 'Here is what our docs say:',
  ru: 'Вот что сказано в нашей документации:',
  de: 'Das steht dazu in unserer Dokumentation:',
  fr: 'Voici ce que dit notre documentation :',
  id: 'Ini yang tertulis di dokumentasi kami:',
  tr: 'Dokümanlarımızda bu konuda şöyle yazıyor:',
};
