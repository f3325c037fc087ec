import type { Language } from '../language/languages.js';

/** How an offline post may open; `{topic}` is the schedule's topic. Rotated so posts differ. */
export const PROACTIVE_OPENERS: Record<Language, string[]> = {
  en: [
    '💡 About {topic}:',
    'Did you know? ({topic})',
    'Quick note on {topic}:',
    'Something worth knowing about {topic}:',
    'From our docs, on {topic}:',
  ],
  de: [
    '💡 Zum Thema {topic}:',
    'Schon gewusst? ({topic})',
    'Kurz notiert zu {topic}:',
    'Wissenswertes zu {topic}:',
    'Aus unserer Dokumentation, zu {topic}:',
  ],
  fr: [
    '💡 À propos de {topic} :',
    'Le saviez-vous ? ({topic})',
    'Petit rappel sur {topic} :',
    'Bon à savoir sur {topic} :',
    'Extrait de notre documentation, sur {topic} :',
  ],
  ru: [
    '💡 На тему «{topic}»:',
    'А вы знали? ({topic})',
    'Коротко о теме «{topic}»:',
    'Полезно знать — {topic}:',
    'Из нашей документации, тема «{topic}»:',
  ],
  id: [
    '💡 Seputar {topic}:',
    'Tahukah kamu? ({topic})',
    'Catatan singkat tentang {topic}:',
    'Yang perlu kamu tahu tentang {topic}:',
    'Dari dokumentasi kami, tentang {topic}:',
  ],
  tr: [
    '💡 {topic} hakkında:',
    'Biliyor muydunuz? ({topic})',
    '{topic} hakkında kısa bir not:',
    '{topic} hakkında bilmeye değer:',
    'Dokümanlarımızdan, {topic} hakkında:',
  ],
};

/** How an offline post ends: an invitation to ask. */
export const PROACTIVE_CLOSERS: Record<Language, string[]> = {
  en: ['Questions? Mention me or use /ask.', 'Anything unclear? Just ask me here.', 'Want to know more? Mention me with your question.'],
  de: ['Fragen? Erwähne mich oder nutze /ask.', 'Etwas unklar? Frag mich einfach hier.', 'Mehr wissen? Erwähne mich mit deiner Frage.'],
  fr: [
    'Des questions ? Mentionnez-moi ou utilisez /ask.',
    "Quelque chose n'est pas clair ? Demandez-moi ici.",
    "Envie d'en savoir plus ? Mentionnez-moi avec votre question.",
  ],
  ru: [
    'Есть вопросы? Упомяните меня или используйте /ask.',
    'Что-то непонятно? Просто спросите меня здесь.',
    'Хотите узнать больше? Упомяните меня и задайте вопрос.',
  ],
  id: [
    'Ada pertanyaan? Sebut saya atau gunakan /ask.',
    'Ada yang kurang jelas? Tanyakan saja di sini.',
    'Mau tahu lebih banyak? Sebut saya dengan pertanyaanmu.',
  ],
  tr: [
    'Sorunuz mu var? Beni etiketleyin veya /ask kullanın.',
    'Anlaşılmayan bir şey mi var? Bana buradan sorun.',
    'Daha fazlasını mı merak ediyorsunuz? Sorunuzla beni etiketleyin.',
  ],
};

/** The body of an offline post when the knowledge base has nothing on the topic. */
export const PROACTIVE_WITHOUT_KNOWLEDGE: Record<Language, string> = {
  en: 'Share how it goes for you, or ask your questions here: the team and I are around.',
  de: 'Erzählt, wie es bei euch läuft, oder stellt eure Fragen hier: das Team und ich sind da.',
  fr: "Partagez votre expérience ou posez vos questions ici : l'équipe et moi sommes là.",
  ru: 'Поделитесь опытом или задайте вопросы здесь — команда и я на связи.',
  id: 'Ceritakan pengalamanmu atau ajukan pertanyaan di sini: tim dan saya siap membantu.',
  tr: 'Deneyiminizi paylaşın ya da sorularınızı buraya yazın: ekip ve ben buradayız.',
};
