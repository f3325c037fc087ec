import type { Language } from '@steward/ai';

/** The reply to a bare mention ("@Steward" and nothing else). */
export const ASK_INVITATION: Record<Language, string> = {
  en: "Hi! Ask me a question and I'll answer from our docs.",
  ru: 'Привет! Задайте вопрос — я отвечу по нашей документации.',
  de: 'Hallo! Stell mir eine Frage, ich antworte aus unserer Dokumentation.',
  fr: 'Bonjour ! Posez-moi une question, je réponds à partir de notre documentation.',
  id: 'Halo! Ajukan pertanyaan, saya akan menjawab dari dokumentasi kami.',
  tr: 'Merhaba! Bana bir soru sor, dokümanlarımıza göre yanıtlayayım.',
};
