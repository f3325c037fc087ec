/**
 * Ways members ask for a person instead of the bot, per language. Each pattern needs both
 * the wish (talk, speak, call, connect) and the person (human, agent, staff), or a fixed
 * phrase ("live chat", "canlı destek"), so that "the human body" or "a real problem" do not count.
 */
const HUMAN_REQUEST_PATTERNS: readonly RegExp[] = [
  // English
  /\b(?:talk|speak|chat|connect|transfer|escalate)\b.{0,25}\b(?:human|person|agent|staff|someone|somebody|representative|rep|operator|moderator|mod|admin|support team|team member|employee)s?\b/i,
  /\b(?:contact|reach)\b.{0,15}\b(?:human|agent|staff|representative|support team|someone from)\b/i,
  /\b(?:real|actual|live)\s+(?:human|person|agent|people|support)\b/i,
  /\bhuman\s+(?:please|pls|plz|support|agent|help)\b/i,
  /\b(?:customer (?:service|support)|live chat)\b/i,
  /\bnot\s+(?:a\s+)?(?:bot|robot)\b/i,
  // Russian
  /(?:поговорить|связаться|соедините|позовите|позвать|переключите|передайте)[^.?!]{0,25}(?:человек|оператор|сотрудник|администратор|админ|модератор|поддержк|менеджер|специалист)/i,
  /живо(?:й|го|му|м)\s+(?:человек|оператор|сотрудник)/i,
  /не\s+(?:с\s+)?бот/i,
  // German: the verb may come first or, in the usual word order, last
  /(?:mit|an)\s+(?:einem|einer|jemandem|den|dem)?\s*(?:echten|richtigen|menschlichen)?\s*(?:menschen|mitarbeiter\w*|person|support\w*|kundendienst|kundenservice|team|admin|moderator|agenten)\b[^.?!]{0,20}(?:sprechen|reden|chatten|schreiben|verbinden|verbunden)/i,
  /(?:sprechen|reden|chatten|verbinden)\s+(?:mit|zu)\s+(?:einem|einer|jemandem)?\s*(?:echten\s+|richtigen\s+)?(?:menschen|mitarbeiter\w*|person|support)/i,
  /\b(?:echte[nr]?|richtige[nr]?)\s+(?:menschen|mensch|person|mitarbeiter\w*)/i,
  /\bkein(?:en)?\s+bot\b/i,
  // French
  /(?:parler|discuter|contacter|joindre|passer)[^.?!]{0,30}(?:humain|personne r[ée]elle|vraie personne|conseill(?:er|[èe]re)|agent|op[ée]rateur|quelqu'un de l'[ée]quipe|membre de l'[ée]quipe|l'[ée]quipe|support|admin|mod[ée]rateur)/i,
  /\b(?:un\s+)?(?:vrai|v[ée]ritable)\s+humain\b/i,
  /\bservice client\b/i,
  /\bpas\s+(?:un\s+|à\s+un\s+)?(?:bot|robot)\b/i,
  // Indonesian
  /(?:bicara|ngobrol|berbicara|hubungi|hubungkan|sambungkan|minta|chat)[^.?!]{0,25}(?:manusia|orang asli|orang beneran|admin|agen|operator|\bcs\b|customer service|staf|staff|tim support|petugas)/i,
  /\bbukan\s+(?:sama\s+)?(?:bot|robot)\b/i,
  // Turkish
  /(?:gerçek|canlı)\s+(?:bir\s+)?(?:insan|kişi|temsilci|destek|biri)/i,
  /(?:insan|temsilci|yetkili|operatör|müşteri hizmetleri|destek ekibi|admin|moderatör)\S*\s+(?:ile\s+)?(?:konuş|görüş|bağla|iletişim)/i,
  /(?:insanla|temsilciyle|yetkiliyle|biriyle|operatörle)\s+(?:konuş|görüş)/i,
  /\bbot\s+(?:değil|olmayan)\b/i,
];

/** Whether the member asks to talk to a person rather than the bot, in any of the six languages. */
export function detectHumanRequest(text: string): boolean {
  const normalized = text.replace(/\s+/g, ' ');
  return HUMAN_REQUEST_PATTERNS.some((pattern) => pattern.test(normalized));
}
