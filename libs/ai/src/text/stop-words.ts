import type { Language } from '../language/languages.js';

/**
 * Function words per language, plus the filler of support questions ("please", "help",
 * "question") that would otherwise match every article. Used to pick the meaningful terms
 * of a question and, weighted, as one of the signals of language detection.
 */
const STOP_WORDS: Record<Language, string> = {
  en: `a an the and or but if then so of to in on at by for with from about into over after before
    up down out off again than too very can could will would shall should may might must do does did
    done doing have has had having be is are was were been being am i me my mine we us our you your
    yours he him his she her it its they them their this that these those there here what which who
    whom whose when where why how not no nor only own same just also any some all each every both
    few more most other such as until while get got getting please pls plz help question questions
    hi hello hey thanks thank anyone someone somebody something know want need way does don't can't
    i'm it's im dont cant doesnt`,
  ru: `и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне
    было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до
    вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя
    их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого
    какой совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно
    при наконец два об другой хоть после над больше тот через эти нас про всего них какая много разве
    три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
    конечно всю между мне мою мои моего моей почему каким какие каком сколько пожалуйста помогите
    помощь подскажите скажите вопрос привет здравствуйте спасибо это`,
  de: `der die das den dem des ein eine einen einem einer eines und oder aber wenn dann so von zu in im
    an am auf bei mit aus für über nach vor um durch gegen ohne bis als wie was wer wen wem wessen wo
    wann warum wieso weshalb welche welcher welches ich mich mir mein meine meinen meinem meiner du
    dich dir dein deine er sie es ihn ihm ihr ihre wir uns unser unsere euch euer ist sind war waren
    bin bist sein seine gewesen habe hat haben hatte hatten kann kannst können konnte muss müssen soll
    sollte will wollen möchte würde werden wird wurde nicht kein keine keinen auch noch nur schon sehr
    mal doch ja nein hier dort da dies diese dieser dieses man etwas jemand bitte hilfe frage fragen
    hallo danke gibt geht bekommen kriegen machen`,
  fr: `le la les un une des du de d l et ou mais si donc car ni que qu qui quoi quel quelle quels quelles
    dont où quand comment pourquoi combien à au aux en dans sur sous par pour avec sans chez vers je
    j me m moi mon ma mes tu te t toi ton ta tes il elle on nous vous ils elles se s son sa ses notre
    nos votre vos leur leurs ce c cet cette ces ceci cela ça est sont suis es était être ai as a avons
    avez ont avait avoir fait faire peut peux pouvez pouvons puis veux voudrais voudrait faut ne pas
    plus très aussi encore déjà bien y est-ce s'il plaît svp aide aider question bonjour salut merci`,
  id: `yang dan di ke dari ini itu untuk dengan pada adalah atau juga tidak tak bukan akan sudah telah
    belum masih bisa dapat boleh harus mau ingin saya aku gue gw kamu anda kau dia ia kami kita mereka
    nya ku mu apa apakah siapa kapan mana dimana bagaimana gimana cara caranya kenapa mengapa berapa tolong
    mohon bantu bantuan pertanyaan tanya halo hai terima kasih makasih ada karena jadi seperti sebagai
    saja lagi sangat lebih oleh bagi kalau jika agar supaya setelah sebelum ya dong sih kah lah nih`,
  tr: `ve veya ile ama fakat ancak de da ki bu şu o bir için gibi kadar daha çok en ne neden niye nasıl
    nerede nereden nereye hangi kim kime kimin kaç mı mi mu mü mısın misin musun müsün ben beni bana
    benim sen seni sana senin biz bize bizim siz size sizin onlar onu ona onun var yok değil olarak
    olan oldu olur olsun ise eğer her hiç şey lütfen yardım soru merhaba selam teşekkürler sağol
    acaba bile sadece yine artık zaten hem`,
};

const stopWordSets = new Map<Language, ReadonlySet<string>>(
  (Object.entries(STOP_WORDS) as [Language, string][]).map(([language, list]) => [
    language,
    new Set(list.split(/\s+/).filter(Boolean)),
  ]),
);

export function isStopWord(word: string, language: Language): boolean {
  return stopWordSets.get(language)!.has(word);
}

/** How many of the words are stop words of the language: a strong signal in short texts. */
export function countStopWords(words: readonly string[], language: Language): number {
  const set = stopWordSets.get(language)!;
  return words.filter((word) => set.has(word)).length;
}
