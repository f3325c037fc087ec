import { stripDiscordMarkup } from '../text/tokens.js';

/**
 * Greetings, thanks, acknowledgements and reactions in the six languages. A message made
 * only of these (and filler) is chat, not a question.
 */
const CHATTER_WORDS = new Set(
  `
  hi hello hey heya hiya yo sup hallo gm gn gg ggs wp glhf ok okay okey k kk oki yes yeah yep yup no nope nah
  thanks thank thx tnx ty tysm tyvm np yw welcome cheers nice cool great awesome amazing wow neat sweet
  perfect good morning night evening afternoon bye cya later lol lmao lmfao rofl haha hahaha hehe xd xdd
  omg wtf bruh same true fair agreed indeed congrats gz grats lets go pog poggers based mood yay
  спасибо спс пасиб благодарю привет приветик здравствуйте здрасте добрый утро день вечер ночи ок окей
  ага угу да нет понял поняла ясно лол кек ржака круто класс супер отлично пока
  danke dankeschön vielen dank hallo hi moin servus grüß gott tschüss tschau ciao ja nein jo super
  klasse toll cool genau alles klar gut guten morgen abend nacht haha
  merci beaucoup salut bonjour bonsoir coucou bonne nuit journée soirée oui non ouais d'accord
  daccord ok super génial cool top mdr ptdr lol parfait
  makasih terima kasih trims thx halo hai hi pagi siang sore malam selamat oke ok sip siap mantap
  mantul keren ya iya gak nggak wkwk wkwkwk haha hehe asik
  teşekkürler teşekkür ederim sağol sağolun eyvallah merhaba selam selamlar günaydın iyi geceler
  akşamlar tamam evet hayır harika süper güzel haha ok
  `
    .split(/\s+/)
    .filter(Boolean),
);

/** Words that go with chatter without making it a question ("thanks a lot guys"). */
const FILLER_WORDS = new Set(
  `a an the so much very lot lots all everyone everybody guys you u ya man bro dude team again
  и всем вам большое очень ребята
  euch allen sehr viel leute
  à tous tout le monde vous les gars
  banyak semua kak gan bang ya
  çok herkese size arkadaşlar
  `
    .split(/\s+/)
    .filter(Boolean),
);

/** Laughter and keyboard noise: "hahaha", "jajaja", "хахаха", "wkwkwk", "kkkk", "ahah", "xD". */
const LAUGHTER = /^(?:(?:ha|he|hi|ah|ja|je|ха|хе|wk|ak|ks)+h?|[kк]{3,}|x+d+|lol+|l+m+a+o+|:?[dp]+)$/i;
/** Emoji, symbols and punctuation only (after mentions and custom emoji are removed). */
const NO_WORDS = /^(?:[\s\p{P}\p{S}\p{Extended_Pictographic}\p{Emoji_Component}]|\u200d|\ufe0f)*$/u;
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
/** Longer messages are never dismissed as chatter, whatever words they use. */
const MAX_CHATTER_WORDS = 6;

/**
 * The free pre-filter of smart mode: whether a message is obviously not a question for the
 * bot (greetings, thanks, reactions, emoji-only, laughter). In doubt it says no, so the
 * message goes on to triage.
 */
export function isObviousChatter(text: string): boolean {
  const stripped = stripDiscordMarkup(text);
  if (NO_WORDS.test(stripped)) return true;
  const messageWords = (stripped.toLocaleLowerCase().match(WORD) ?? []).map((word) =>
    word.replace(/’/g, "'"),
  );
  if (messageWords.length === 0 || messageWords.length > MAX_CHATTER_WORDS) return messageWords.length === 0;
  const isChat = (word: string): boolean => CHATTER_WORDS.has(word) || LAUGHTER.test(word);
  return messageWords.every((word) => isChat(word) || FILLER_WORDS.has(word)) && messageWords.some(isChat);
}
