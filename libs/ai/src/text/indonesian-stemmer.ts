/**
 * A light Indonesian stemmer (after Tala's rule-based stemmer): Snowball has no Indonesian
 * algorithm in the packages Steward uses. It strips particles (-lah, -kah), possessives
 * (-ku, -mu, -nya), derivational prefixes (meN-, peN-, di-, ter-, ber-, ke-, se-, per-) and
 * suffixes (-kan, -an, -i), keeping at least a two-syllable-sized root.
 */
const PARTICLE = /(?:lah|kah|tah|pun)$/;
const POSSESSIVE = /(?:ku|mu|nya)$/;
const SUFFIX = /(?:kan|an|i)$/;
const MIN_ROOT_LENGTH = 4;

/** meN- and peN- assimilate to the root's first letter; the dropped consonant comes back. */
const NASAL_PREFIXES: readonly [RegExp, string][] = [
  [/^(?:meny|peny)(?=[aiueo])/, 's'],
  [/^(?:meng|peng)(?=[aiueo])/, ''],
  [/^(?:meng|peng)(?=[gkh])/, ''],
  [/^(?:mem|pem)(?=[aiueo])/, 'p'],
  [/^(?:mem|pem)(?=[bfpv])/, ''],
  [/^(?:men|pen)(?=[aiueo])/, 't'],
  [/^(?:men|pen)(?=[cdjstz])/, ''],
  [/^(?:me|pe)(?=[lmnrwy])/, ''],
];
const PLAIN_PREFIXES = /^(?:di|ter|ber|be|ke|se|per)/;

function syllables(word: string): number {
  return (word.match(/[aiueo]/g) ?? []).length;
}

function strip(word: string, pattern: RegExp, replacement = ''): string {
  const stripped = word.replace(pattern, replacement);
  return stripped.length >= MIN_ROOT_LENGTH && syllables(stripped) >= 2 ? stripped : word;
}

function stripPrefix(word: string): string {
  for (const [pattern, restored] of NASAL_PREFIXES) {
    if (pattern.test(word)) return strip(word, pattern, restored);
  }
  return strip(word, PLAIN_PREFIXES);
}

export function stemIndonesian(word: string): string {
  let stem = strip(word, PARTICLE);
  stem = strip(stem, POSSESSIVE);
  stem = stripPrefix(stem);
  // A second prefix ("memper-", "diper-", "keber-") is common enough to try once more.
  stem = stripPrefix(stem);
  return strip(stem, SUFFIX);
}
