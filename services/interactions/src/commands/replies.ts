import { languageFromLocale, type Language } from '@steward/ai';

type ReplyKey =
  | 'unknownCommand'
  | 'notConnected'
  | 'anotherBot'
  | 'channelOff'
  | 'emptyQuestion'
  | 'guildOnly'
  | 'unavailable'
  | 'personInCharge'
  | 'feedbackThanks';

/** Short ephemeral replies to /ask, in the member's Discord language. */
const REPLIES: Record<Language, Record<ReplyKey, string>> = {
  en: {
    unknownCommand: "I don't know that command. Try /ask.",
    notConnected: 'This server is not connected to Steward yet. An admin can connect it from the dashboard.',
    anotherBot: 'In this server Steward answers through another bot. Use that bot’s /ask.',
    channelOff: 'Steward is switched off in this channel.',
    emptyQuestion: 'Please write your question after /ask.',
    guildOnly: '/ask works inside a server.',
    unavailable: 'Steward cannot take questions right now. Please try again in a minute.',
    personInCharge: 'A member of the team is looking after your conversation here. Write your question in the channel and they will answer you.',
    feedbackThanks: 'Thanks for the feedback! It helps the team improve the answers.',
  },
  ru: {
    unknownCommand: 'Я не знаю такой команды. Попробуйте /ask.',
    notConnected: 'Этот сервер ещё не подключён к Steward. Администратор может подключить его в панели управления.',
    anotherBot: 'На этом сервере Steward отвечает через другого бота. Используйте /ask этого бота.',
    channelOff: 'В этом канале Steward выключен.',
    emptyQuestion: 'Напишите вопрос после /ask.',
    guildOnly: '/ask работает только на сервере.',
    unavailable: 'Steward сейчас не может принимать вопросы. Попробуйте через минуту.',
    personInCharge: 'Вашим разговором здесь занимается сотрудник команды. Напишите вопрос в канал, и он вам ответит.',
    feedbackThanks: 'Спасибо за отзыв! Он помогает команде улучшать ответы.',
  },
  de: {
    unknownCommand: 'Diesen Befehl kenne ich nicht. Versuch es mit /ask.',
    notConnected: 'Dieser Server ist noch nicht mit Steward verbunden. Ein Admin kann ihn im Dashboard verbinden.',
    anotherBot: 'Auf diesem Server antwortet Steward über einen anderen Bot. Nutz dessen /ask.',
    channelOff: 'Steward ist in diesem Kanal ausgeschaltet.',
    emptyQuestion: 'Schreib deine Frage hinter /ask.',
    guildOnly: '/ask funktioniert nur auf einem Server.',
    unavailable: 'Steward kann gerade keine Fragen annehmen. Bitte versuch es in einer Minute noch einmal.',
    personInCharge: 'Ein Teammitglied kümmert sich hier um dein Gespräch. Schreib deine Frage in den Kanal, es antwortet dir dort.',
    feedbackThanks: 'Danke für dein Feedback! Es hilft dem Team, die Antworten zu verbessern.',
  },
  fr: {
    unknownCommand: 'Je ne connais pas cette commande. Essayez /ask.',
    notConnected: "Ce serveur n'est pas encore relié à Steward. Un administrateur peut le relier depuis le tableau de bord.",
    anotherBot: 'Sur ce serveur, Steward répond par un autre bot. Utilisez la commande /ask de ce bot.',
    channelOff: 'Steward est désactivé dans ce salon.',
    emptyQuestion: 'Écrivez votre question après /ask.',
    guildOnly: '/ask fonctionne uniquement sur un serveur.',
    unavailable: 'Steward ne peut pas répondre pour le moment. Réessayez dans une minute.',
    personInCharge: "Un membre de l'équipe s'occupe de votre conversation ici. Écrivez votre question dans le salon et il vous répondra.",
    feedbackThanks: "Merci pour votre retour ! Il aide l'équipe à améliorer les réponses.",
  },
  id: {
    unknownCommand: 'Saya tidak mengenal perintah itu. Coba /ask.',
    notConnected: 'Server ini belum terhubung ke Steward. Admin dapat menghubungkannya dari dasbor.',
    anotherBot: 'Di server ini Steward menjawab melalui bot lain. Gunakan /ask milik bot tersebut.',
    channelOff: 'Steward dinonaktifkan di kanal ini.',
    emptyQuestion: 'Tulis pertanyaan Anda setelah /ask.',
    guildOnly: '/ask hanya berfungsi di dalam server.',
    unavailable: 'Steward belum bisa menerima pertanyaan saat ini. Coba lagi sebentar lagi.',
    personInCharge: 'Anggota tim sedang menangani percakapan Anda di sini. Tulis pertanyaan Anda di kanal dan mereka akan menjawab.',
    feedbackThanks: 'Terima kasih atas masukannya! Ini membantu tim memperbaiki jawaban.',
  },
  tr: {
    unknownCommand: 'Bu komutu tanımıyorum. /ask komutunu deneyin.',
    notConnected: 'Bu sunucu henüz Steward’a bağlı değil. Bir yönetici panelden bağlayabilir.',
    anotherBot: 'Bu sunucuda Steward başka bir bot üzerinden yanıt veriyor. O botun /ask komutunu kullanın.',
    channelOff: 'Steward bu kanalda kapalı.',
    emptyQuestion: 'Lütfen sorunuzu /ask komutundan sonra yazın.',
    guildOnly: '/ask yalnızca bir sunucuda çalışır.',
    unavailable: 'Steward şu anda soru alamıyor. Lütfen bir dakika sonra tekrar deneyin.',
    personInCharge: 'Buradaki konuşmanızla ekipten biri ilgileniyor. Sorunuzu kanala yazın, size yanıt verecektir.',
    feedbackThanks: 'Geri bildiriminiz için teşekkürler! Ekibin yanıtları iyileştirmesine yardımcı oluyor.',
  },
};

export function reply(key: ReplyKey, locale: string | undefined): string {
  return REPLIES[(locale && languageFromLocale(locale)) || 'en'][key];
}
