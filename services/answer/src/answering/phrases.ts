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

/**
 * The reply to /ask when the tenant's plan or quota does not allow answers: the deferred
 * response must be completed, or Discord shows the command as failed. Other questions get
 * no reply at all in that case.
 */
export const ANSWERS_PAUSED: Record<Language, string> = {
  en: "I can't answer questions here right now.",
  ru: 'Сейчас я не могу здесь отвечать на вопросы.',
  de: 'Ich kann hier gerade keine Fragen beantworten.',
  fr: 'Je ne peux pas répondre aux questions ici pour le moment.',
  id: 'Saya tidak dapat menjawab pertanyaan di sini untuk saat ini.',
  tr: 'Şu anda burada soruları yanıtlayamıyorum.',
};

/**
 * The reply to /ask when a person took the conversation over while the question waited: the
 * deferred response must be completed. Other questions then get no reply from the bot.
 */
export const PERSON_IN_CHARGE: Record<Language, string> = {
  en: 'A member of the team is looking after your conversation here and will answer you.',
  ru: 'Вашим разговором здесь занимается сотрудник команды, он вам ответит.',
  de: 'Ein Teammitglied kümmert sich hier um dein Gespräch und antwortet dir.',
  fr: "Un membre de l'équipe s'occupe de votre conversation ici et vous répondra.",
  id: 'Anggota tim sedang menangani percakapan Anda di sini dan akan menjawab Anda.',
  tr: 'Buradaki konuşmanızla ekipten biri ilgileniyor ve size yanıt verecek.',
};

/**
 * The reply to /ask when every attempt to answer failed: the deferred response must be
 * completed. Other questions get no reply; the failure is logged and shown on the dashboard.
 */
export const ANSWER_FAILED: Record<Language, string> = {
  en: "Sorry, I couldn't answer that just now. Please try again in a moment.",
  ru: 'Извините, сейчас не получилось ответить. Попробуйте ещё раз чуть позже.',
  de: 'Entschuldige, das konnte ich gerade nicht beantworten. Versuch es gleich noch einmal.',
  fr: "Désolé, je n'ai pas pu répondre pour le moment. Réessayez dans un instant.",
  id: 'Maaf, saya tidak dapat menjawabnya saat ini. Silakan coba lagi sebentar lagi.',
  tr: 'Üzgünüm, şu anda yanıtlayamadım. Lütfen biraz sonra tekrar deneyin.',
};

/** The labels of an answer's feedback buttons (👍 / 👎). */
export const FEEDBACK_LABELS: Record<Language, { helpful: string; notHelpful: string }> = {
  en: { helpful: 'Helpful', notHelpful: 'Not helpful' },
  ru: { helpful: 'Полезно', notHelpful: 'Не помогло' },
  de: { helpful: 'Hilfreich', notHelpful: 'Nicht hilfreich' },
  fr: { helpful: 'Utile', notHelpful: 'Pas utile' },
  id: { helpful: 'Membantu', notHelpful: 'Tidak membantu' },
  tr: { helpful: 'Yararlı', notHelpful: 'Yararlı değil' },
};
