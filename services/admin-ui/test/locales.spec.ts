/**
 * Every language has every string: the same keys as English, none empty, the same
 * {{placeholders}}; and every key the code asks for exists in English.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const localesDir = path.join(root, 'src', 'i18n', 'locales');
const LANGUAGES = ['en', 'ru', 'de', 'fr', 'id', 'tr'];

type Tree = { [key: string]: string | Tree };
const load = (language: string) => JSON.parse(readFileSync(path.join(localesDir, `${language}.json`), 'utf8')) as Tree;

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const entries = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') entries.set(full, value);
    else for (const [nested, text] of flatten(value, full)) entries.set(nested, text);
  }
  return entries;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]).sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const english = flatten(load('en'));

describe('translations', () => {
  it('ship exactly the six languages of the dashboard', () => {
    const files = readdirSync(localesDir).filter((file) => file.endsWith('.json')).map((file) => file.replace('.json', ''));
    expect(files.sort()).toEqual([...LANGUAGES].sort());
  });

  it.each(LANGUAGES.filter((language) => language !== 'en'))('%s has every English key, no other, none empty', (language) => {
    const translated = flatten(load(language));
    const missing = [...english.keys()].filter((key) => !translated.has(key));
    const extra = [...translated.keys()].filter((key) => !english.has(key));
    const empty = [...translated].filter(([, text]) => text.trim() === '').map(([key]) => key);
    expect({ missing, extra, empty }).toEqual({ missing: [], extra: [], empty: [] });
  });

  it.each(LANGUAGES.filter((language) => language !== 'en'))('%s keeps the placeholders of every English string', (language) => {
    const translated = flatten(load(language));
    const mismatched = [...english]
      .filter(([key, text]) => translated.has(key) && placeholders(translated.get(key)!).join() !== placeholders(text).join())
      .map(([key]) => key);
    expect(mismatched).toEqual([]);
  });

  it('has an English string for every key the code uses', () => {
    const used = new Set<string>();
    const families = new Set<string>();
    for (const file of sourceFiles(path.join(root, 'src'))) {
      const code = readFileSync(file, 'utf8');
      for (const match of code.matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(match[1]!);
      // t(`moderationActions.${action}`): the family must exist as a group of strings.
      for (const match of code.matchAll(/\bt\(\s*`([\w.]+)\.\$\{/g)) families.add(match[1]!);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((key) => !english.has(key))).toEqual([]);
    const keys = [...english.keys()];
    expect([...families].filter((family) => !keys.some((key) => key.startsWith(`${family}.`)))).toEqual([]);
  });
});
