import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity';
import { foldDiacritics } from '../text/tokens.js';
import type { ModerationContextMessage, ModerationSeverity, RecommendedAction } from './moderation.js';

/** What one offline detector found in a message. */
export interface Finding {
  detector: 'tenant_pattern' | 'invite_link' | 'mass_mention' | 'flood' | 'profanity' | 'slur';
  severity: Exclude<ModerationSeverity, 'none'>;
  recommendedAction: RecommendedAction;
  confidence: number;
  reason: string;
  /** The tenant's rule line that matched (patterns), or that names this kind of violation. */
  rule?: string;
}

// ---------------------------------------------------------------- tenant patterns

/** A pattern the tenant wrote in the rules: a `/regex/flags` line or a "quoted phrase". */
export interface RulePattern {
  /** The rules line it comes from, which is also the rule named in the log. */
  line: string;
  source: string;
  regex: RegExp;
}

export interface ParsedRules {
  patterns: RulePattern[];
  /** Lines that looked like a regular expression but do not compile. */
  invalid: { line: string; error: string }[];
  /** Every non-empty line, for naming the rule a built-in detector enforces. */
  lines: string[];
}

const REGEX_LINE = /^\/(.{1,300})\/([imsu]*)$/;
/** "double", “curly”, „German“, «guillemets», and 'single' quotes that are not apostrophes. */
const QUOTED = /"([^"\n]{2,100})"|“([^”\n]{2,100})”|„([^“”\n]{2,100})[“”]|«\s?([^»\n]{2,100}?)\s?»|(?:^|[\s(:,])'([^'\n]{2,100})'(?=$|[\s).,;:!?])/g;

const parsedRulesCache = new Map<string, ParsedRules>();
const PARSED_RULES_CACHE_SIZE = 500;

/** Reads the patterns out of the tenant's rules text (cached: the same rules arrive with every message). */
export function parseRules(rules: string): ParsedRules {
  const cached = parsedRulesCache.get(rules);
  if (cached) return cached;
  const parsed: ParsedRules = { patterns: [], invalid: [], lines: [] };
  for (const rawLine of rules.split(/\r?\n/)) {
    const line = rawLine.trim().replace(/^[-*•\d.)\s]+(?=\S)/, '').trim();
    if (!line) continue;
    parsed.lines.push(line);
    const regexLine = REGEX_LINE.exec(line);
    if (regexLine) {
      try {
        const flags = new Set([...regexLine[2]!, 'u']);
        parsed.patterns.push({ line, source: line, regex: new RegExp(regexLine[1]!, [...flags].join('')) });
      } catch (error) {
        parsed.invalid.push({ line, error: (error as Error).message });
      }
      continue;
    }
    for (const match of line.matchAll(QUOTED)) {
      const phrase = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5] ?? '').trim();
      if (phrase.length < 2) continue;
      parsed.patterns.push({ line, source: `"${phrase}"`, regex: phraseRegex(phrase) });
    }
  }
  if (parsedRulesCache.size >= PARSED_RULES_CACHE_SIZE) parsedRulesCache.delete(parsedRulesCache.keys().next().value!);
  parsedRulesCache.set(rules, parsed);
  return parsed;
}

/** A phrase matched as whole words, case- and accent-insensitively (the text is folded before matching). */
function phraseRegex(phrase: string): RegExp {
  const escaped = foldDiacritics(phrase.toLowerCase())
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

export function detectTenantPatterns(text: string, rules: ParsedRules): Finding[] {
  const folded = foldDiacritics(text.toLowerCase());
  const findings: Finding[] = [];
  for (const pattern of rules.patterns) {
    const quoted = pattern.source.startsWith('"');
    if (!pattern.regex.test(quoted ? folded : text)) continue;
    findings.push({
      detector: 'tenant_pattern',
      severity: 'medium',
      recommendedAction: 'delete',
      confidence: 0.95,
      reason: `The message matches the pattern ${pattern.source} of the server's rules.`,
      rule: pattern.line,
    });
  }
  return findings;
}

// ---------------------------------------------------------------- built-in detectors

const INVITE = /(?:https?:\/\/)?(?:www\.)?(?:discord(?:app)?\s*\.\s*com\s*\/\s*invite|discord\s*\.\s*(?:gg|io|me|li)|dsc\s*\.\s*gg)\s*\/\s*[a-z0-9-]{2,}/i;

export function detectInviteLink(text: string): Finding | undefined {
  const match = INVITE.exec(text);
  if (!match) return undefined;
  return {
    detector: 'invite_link',
    severity: 'medium',
    recommendedAction: 'delete',
    confidence: 0.95,
    reason: `The message advertises another Discord server (${match[0].replace(/\s+/g, '')}).`,
  };
}

const USER_MENTION = /<@!?(\d{1,25})>/g;
const ROLE_MENTION = /<@&(\d{1,25})>/g;
const EVERYONE = /@(?:everyone|here)\b/;
/** Distinct members or roles pinged in one message before it counts as a mass mention. */
export const MASS_MENTION_THRESHOLD = 5;
const SEVERE_MASS_MENTION = 10;

export function detectMassMention(text: string): Finding | undefined {
  const mentioned = new Set<string>();
  for (const [, id] of text.matchAll(USER_MENTION)) mentioned.add(`u${id}`);
  for (const [, id] of text.matchAll(ROLE_MENTION)) mentioned.add(`r${id}`);
  const everyone = EVERYONE.test(text);
  if (mentioned.size >= SEVERE_MASS_MENTION) {
    return {
      detector: 'mass_mention',
      severity: 'high',
      recommendedAction: 'timeout',
      confidence: 0.9,
      reason: `The message pings ${mentioned.size} members or roles at once.`,
    };
  }
  if (mentioned.size >= MASS_MENTION_THRESHOLD || everyone) {
    return {
      detector: 'mass_mention',
      severity: 'medium',
      recommendedAction: 'delete',
      confidence: everyone && mentioned.size < MASS_MENTION_THRESHOLD ? 0.8 : 0.9,
      reason: everyone
        ? 'The message tries to ping everyone in the channel.'
        : `The message pings ${mentioned.size} members or roles at once.`,
    };
  }
  return undefined;
}

/** Earlier identical messages of the author within this window make a flood. */
export const FLOOD_WINDOW_MS = 60_000;
/** The message is a flood when the author already sent it this many times in the window. */
export const FLOOD_REPEATS = 2;
const SEVERE_FLOOD_REPEATS = 4;

function normalized(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function detectFlood(
  text: string,
  author: { id?: string; name: string },
  recent: readonly ModerationContextMessage[],
  nowMs = Date.now(),
): Finding | undefined {
  const own = normalized(text);
  if (!own) return undefined;
  const repeats = recent.filter(
    (message) =>
      (author.id && message.authorId ? message.authorId === author.id : message.author === author.name) &&
      (message.sentAtMs === undefined || nowMs - message.sentAtMs <= FLOOD_WINDOW_MS) &&
      normalized(message.content) === own,
  ).length;
  if (repeats < FLOOD_REPEATS) return undefined;
  const severe = repeats >= SEVERE_FLOOD_REPEATS;
  return {
    detector: 'flood',
    severity: severe ? 'high' : 'medium',
    recommendedAction: severe ? 'timeout' : 'delete',
    confidence: 0.9,
    reason: `The member sent the same message ${repeats + 1} times within a minute.`,
  };
}

/** Words of the English dataset that attack people for who they are, rather than merely swear. */
const SLURS = new Set([
  'abeed', 'abo', 'africoon', 'arabush', 'boonga', 'chingchong', 'chink', 'dyke', 'fag', 'kike',
  'negro', 'nigger', 'retard', 'spastic', 'tranny',
]);

const profanityMatcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });

export function detectProfanity(text: string): Finding | undefined {
  const matches = profanityMatcher.getAllMatches(text);
  if (matches.length === 0) return undefined;
  const words = new Set(
    matches.map((match) => englishDataset.getPayloadWithPhraseMetadata(match).phraseMetadata?.originalWord ?? ''),
  );
  const slurs = [...words].filter((word) => SLURS.has(word));
  if (slurs.length > 0) {
    return {
      detector: 'slur',
      severity: 'high',
      recommendedAction: 'timeout',
      confidence: 0.9,
      reason: 'The message contains a slur.',
    };
  }
  return {
    detector: 'profanity',
    severity: 'low',
    recommendedAction: 'warn',
    confidence: 0.75,
    reason: 'The message contains profanity.',
  };
}

// ---------------------------------------------------------------- naming the rule

/** Words a tenant uses for each kind of violation, in Steward's six languages. */
const RULE_KEYWORDS: Record<Exclude<Finding['detector'], 'tenant_pattern'>, RegExp> = {
  invite_link: /invite|discord\.gg|server links?|advertis|self-promo|promot|werbung|einladung|publicit|invitation|davet|reklam|undangan|promosi|реклам|приглаш|ссылк/i,
  mass_mention: /mention|ping|@everyone|@here|erwähn|markier|mentionn|etiket|sebut|упомин|пинг|тег/i,
  flood: /spam|flood|repeat|wiederhol|répét|tekrar|ulang|спам|флуд|повтор/i,
  slur: /slur|hate|racis|discrimin|beleidig|hetze|insulte|haine|hakaret|nefret|ujaran|kebencian|оскорб|ненавист|расис/i,
  profanity: /profan|swear|curse|cursing|offensive|language|insult|obscen|schimpf|fluch|vulgär|grossi|vulgair|jurons?|küfür|argo|kasar|makian|мат|руга|нецензур/i,
};

const BUILT_IN_RULES: Record<Exclude<Finding['detector'], 'tenant_pattern'>, string> = {
  invite_link: 'No invite links to other servers',
  mass_mention: 'No mass mentions',
  flood: 'No spam or repeated messages',
  slur: 'No slurs',
  profanity: 'No profanity',
};

/** The tenant's line that forbids this kind of violation, or Steward's built-in name for it. */
export function ruleFor(finding: Finding, rules: ParsedRules): string {
  if (finding.rule) return finding.rule;
  if (finding.detector === 'tenant_pattern') return 'Server rules';
  const keywords = RULE_KEYWORDS[finding.detector];
  const named =
    rules.lines.find((line) => keywords.test(line)) ??
    (finding.detector === 'slur' ? rules.lines.find((line) => RULE_KEYWORDS.profanity.test(line)) : undefined);
  return named ?? BUILT_IN_RULES[finding.detector];
}
