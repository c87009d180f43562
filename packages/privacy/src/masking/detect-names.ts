/**
 * Person names in alphabetic scripts, by capitalisation, context and name lists together (Japanese
 * and Arabic names are in `detect-names-ja.ts` and `detect-names-ar.ts`).
 *
 * Runs of capitalised words joined by single spaces (with particles inside: `van der`, `De`,
 * `dos`, and initials `J.`) are split at everyday words, places and organisation words, and each
 * part is classed by its words: a listed given name or surname (`name-lists.ts`), a listed name
 * that is also an everyday word (weak: `Rose`, `Bank`), or an unknown capitalised word.
 *
 * | part                                                                         | score |
 * |------------------------------------------------------------------------------|-------|
 * | after a title (`Dr.`, `Frau`, `Sra.`, `Dhr.`, `Pani`, `Sayın`) or before one (`Bey`, `ji`) | 0.8, 0.85 with a listed name |
 * | 2–5 words, one of them a listed name and none an everyday word               | 0.85  |
 * | 2–5 words, a weak name and an unknown word                                   | 0.7   |
 * | 2–5 unknown words after a person word (`Dear`, `Patient`, `Hallo`, `Hola`, `Merhaba`) or set in non-Latin text | 0.7 |
 * | one listed name after a person word                                          | 0.7   |
 * | a lone given name of the curated lists (built-in, compromise)                | 0.5   |
 * | a lone surname of the curated lists                                          | 0.4   |
 *
 * A part next to an organisation word (`Group`, `GmbH`, `SARL`) or a place word (`Port`, `Sesto`,
 * `Valley`) is not a person unless a title says so. Unknown capitalised words with nothing else
 * for them — `Innere Medizin`, `Human Resources` — are not reported: capitalisation alone is not
 * enough in German, in headings, or at the start of a sentence.
 */
import { detectArabicNames } from './detect-names-ar';
import { detectJapaneseNames } from './detect-names-ja';
import type { EntitySpan } from './entities';
import { AFTER_NAME, BEFORE_NAME } from './street-words';
import { fold, isCommonWord, nameLexicon, type NameLexicon } from './name-lists';
import {
  NAME_PARTICLES,
  ORGANISATION_WORDS,
  PERSON_AFTER,
  PERSON_BEFORE,
  PERSON_BEFORE_NON_LATIN,
  PLACE_AFTER,
  PLACE_BEFORE,
  TITLES_AFTER,
  TITLES_BEFORE,
} from './name-words';

/** Names to recognise besides the built-in lists (any case; matched case-insensitively). */
export interface ExtraNames {
  firstNames?: readonly string[];
  surnames?: readonly string[];
}

/** `place` marks the words before it as a place (`Valley`, `Street`), `placePrefix` the words after it (`Port`, `Sesto`). */
type Kind = 'given' | 'surname' | 'name' | 'weak' | 'unknown' | 'common' | 'stop' | 'place' | 'placePrefix' | 'org';

interface Token {
  start: number;
  end: number;
  word: string;
  lower: string;
  cap: boolean;
  initial: boolean;
  particle: boolean;
  title: boolean;
  kind: Kind;
}

const STREET_BEFORE = new Set(BEFORE_NAME.map((w) => fold(w.replace(/\.$/, ''))));
const STREET_AFTER = new Set(AFTER_NAME.map((w) => fold(w.replace(/\.$/, ''))));
const ALPHA = String.raw`\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}`;
const TOKEN = new RegExp(
  String.raw`(?<![\p{L}\p{M}\p{N}_@'’.<-])[${ALPHA}][${ALPHA}\p{M}'’-]*(?:\.\p{Ll}{2,3})?\.?(?![\p{L}\p{N}_@>]|\.[\p{L}\p{N}])`,
  'gu',
);
/** Scripts in which a capitalised Latin run stands out as a name (Hindi and Arabic text). */
const OTHER_SCRIPT = /[\p{Script=Devanagari}\p{Script=Arabic}]/u;
/** Joiners of an enumeration of firms (`Zieme, Nader and Terry`, `Leclercq et Gautier`). */
const AND = new Set(['and', '&', 'und', 'et', 'y', 'e', 'en', 've', 'i']);

const compiled = new WeakMap<ExtraNames, { given: Set<string>; surname: Set<string> }>();
function extraSets(extra: ExtraNames | undefined): { given: Set<string>; surname: Set<string> } | undefined {
  if (extra === undefined) return undefined;
  let sets = compiled.get(extra);
  if (sets === undefined) {
    sets = { given: new Set((extra.firstNames ?? []).map(fold)), surname: new Set((extra.surnames ?? []).map(fold)) };
    compiled.set(extra, sets);
  }
  return sets;
}

/** Classes of words already seen (built-in lists only), bounded so that a long stream of new words cannot grow it. */
const KINDS = new Map<string, Kind>();
const KINDS_MAX = 100_000;

function classify(word: string, lex: NameLexicon, extra: ReturnType<typeof extraSets>): Kind {
  if (extra !== undefined) return classifyWord(word, lex, extra);
  let kind = KINDS.get(word);
  if (kind === undefined) {
    kind = classifyWord(word, lex, undefined);
    if (KINDS.size >= KINDS_MAX) KINDS.clear();
    KINDS.set(word, kind);
  }
  return kind;
}

function classifyWord(word: string, lex: NameLexicon, extra: ReturnType<typeof extraSets>): Kind {
  const key = fold(word);
  const parts = key.split('-');
  if (parts.some((p) => ORGANISATION_WORDS.has(p))) return 'org';
  const extraName = extra?.given.has(key) === true || extra?.surname.has(key) === true;
  if (!extraName && (lex.stop.has(key) || PERSON_BEFORE.has(key))) return 'stop';
  if (!extraName && !lex.given.has(key) && !lex.surname.has(key)) {
    // A street type of both orders (`avenue`, `place`, `park`) only marks the words before it.
    if (PLACE_BEFORE.has(key)) return 'placePrefix';
    if (PLACE_AFTER.has(key) || STREET_AFTER.has(key)) return 'place';
    if (STREET_BEFORE.has(key)) return 'placePrefix';
  }
  const given = extra?.given.has(key) === true || parts.every((p) => lex.given.has(p));
  const surname = extra?.surname.has(key) === true || parts.some((p) => lex.surname.has(p));
  const listed = given || surname || parts.every((p) => lex.any.has(p));
  const curated = lex.given.has(key) || lex.surname.has(key);
  const common = lex.common.has(key) || (!curated && isCommonWord(key, lex));
  if (listed && common) return extraName ? 'name' : 'weak';
  if (given) return 'given';
  if (surname) return 'surname';
  if (listed) return 'name';
  if (common) return 'common';
  if (lex.places.has(key)) return 'place';
  return key.length >= 6 && SURNAME_SHAPE.test(key) ? 'name' : 'unknown';
}

/**
 * Endings that mark a family name in many cultures (Turkish `-oğlu`, South Slavic `-ović`, Polish
 * `-owski`/`-wicz`, Ukrainian `-enko`, Romanian `-escu`, Greek `-poulos`/`-akis`, Scandinavian
 * `-sson`/`-ssen`, Georgian `-shvili`/`-adze`, Armenian `-yan`, Russian `-ova`/`-eva`, Persian
 * `-zadeh`/`-pour`), matched on the folded word.
 */
const SURNAME_SHAPE =
  /(?:oglu|ovic|ovich|evic|evich|owski|ewski|inski|ynski|icki|ycki|wicz|enko|escu|poulos|akis|idis|ssen|sson|shvili|adze|yan|ova|eva|zadeh|pour)$/;

function tokenise(text: string, lex: NameLexicon, extra: ReturnType<typeof extraSets>): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    let word = m[0];
    const bare = word.endsWith('.') ? word.slice(0, -1) : word;
    const lower = bare.toLowerCase();
    const initial = /^\p{Lu}\.$/u.test(word);
    const title =
      TITLES_BEFORE.has(lower) &&
      (word.endsWith('.') || !/^\p{Lu}\p{Ll}+$/u.test(bare) || lower.length > 2 || text[m.index + word.length] === ' ');
    if (!initial && !title && word.endsWith('.')) word = bare;
    const cap = /^\p{Lu}/u.test(word) && !(word.length > 3 && word === word.toUpperCase() && !lex.any.has(fold(word)));
    const particle = NAME_PARTICLES.has(lower);
    out.push({
      start: m.index,
      end: m.index + word.length,
      word,
      lower,
      cap,
      initial,
      particle,
      title,
      kind: cap && !initial ? classify(bare, lex, extra) : 'common',
    });
  }
  return out;
}

const named = (t: Token): boolean => t.kind === 'given' || t.kind === 'surname' || t.kind === 'name';

/** The score of a part of a run (no everyday, place or organisation words inside), or null. */
function partScore(part: readonly Token[], titled: boolean, context: Context): number | null {
  const words = part.filter((t) => !t.particle && !t.initial);
  if (words.length === 0) return null;
  const listed = words.filter(named).length;
  if (titled) return listed > 0 && words.length > 1 ? 0.85 : 0.8;
  if (words.length >= 2 && words.length <= 5) {
    if (listed > 0) return 0.85;
    const weak = words.filter((t) => t.kind === 'weak').length;
    if (weak > 0 && weak < words.length) return 0.7;
    if (context !== 'none' && words.every((t) => /\p{Ll}/u.test(t.word))) return context === 'after' ? 0.6 : 0.7;
    return null;
  }
  if (words.length === 1) {
    const [t] = words as [Token];
    if (context === 'person' && (named(t) || t.kind === 'unknown' || t.kind === 'weak')) return named(t) ? 0.7 : 0.6;
    if (t.kind === 'given') return 0.5;
    if (t.kind === 'surname') return 0.4;
  }
  return null;
}

export function detectPersons(text: string, extraNames?: ExtraNames): EntitySpan[] {
  const lex = nameLexicon();
  const tokens = tokenise(text, lex, extraSets(extraNames));
  const spans: EntitySpan[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i] as Token;
    const opensName = first.particle && tokens[i + 1]?.cap === true && joined(text, tokens, i) && tokens[i - 1]?.title === true;
    if (!(first.cap || opensName) || first.title) {
      i++;
      continue;
    }
    // A run: capitalised words, particles and initials joined by single spaces.
    let j = i;
    while (j + 1 < tokens.length) {
      const next = tokens[j + 1] as Token;
      if (!joined(text, tokens, j) || next.title || TITLES_AFTER.has(next.lower) || !(next.cap || next.particle)) break;
      j++;
    }
    while (j > i && (tokens[j] as Token).particle && !(tokens[j] as Token).cap) j--;
    const before = tokens[i - 1];
    const after = tokens[j + 1];
    const last = tokens[j] as Token;
    const beforeGap = gap(text, before, first);
    const titled =
      (before?.title === true && beforeGap === ' ') ||
      (after !== undefined && TITLES_AFTER.has(after.lower) && gap(text, last, after) === ' ') ||
      /^ (?:जी|साहब|بك|باشا)/u.test(text.slice(last.end, last.end + 6));
    let context: Context = 'none';
    if (
      (before !== undefined && PERSON_BEFORE.has(before.lower) && /^[ :,]{1,2}$/.test(beforeGap)) ||
      nonLatinPersonWordBefore(text, first.start)
    )
      context = 'person';
    else if (
      OTHER_SCRIPT.test(nearest(text.slice(Math.max(0, first.start - 12), first.start), -1)) ||
      OTHER_SCRIPT.test(nearest(text.slice(last.end, last.end + 12), 1))
    )
      context = 'script';
    else if (after !== undefined && PERSON_AFTER.has(after.lower) && gap(text, last, after) === ' ') context = 'after';
    if (titled || !isFirm(text, tokens, i, j)) spans.push(...runSpans(text, tokens.slice(i, j + 1), titled, context));
    i = j + 1;
  }
  return [...spans, ...detectJapaneseNames(text), ...detectArabicNames(text)];
}

/** A short code that ends a phrase: ` 7B for`, ` 12.` (a ward, a room, a bed). */
const CODE_AFTER = /^ \d{1,3}[A-Za-z]?(?=$|[,;:)!?]|\.(?!\d)| \p{Ll})/u;

/** The text between two tokens ('' when either is missing). */
function gap(text: string, a: Token | undefined, b: Token | undefined): string {
  return a === undefined || b === undefined ? '' : text.slice(a.end, b.start);
}

/** Whether tokens k and k + 1 are separated by exactly one space. */
function joined(text: string, tokens: readonly Token[], k: number): boolean {
  return gap(text, tokens[k], tokens[k + 1]) === ' ';
}

/** A capitalised name-like word with lower-case letters (not an initial, a code, a place or an everyday word). */
function nameWord(t: Token | undefined): boolean {
  return t?.cap === true && NAME_LIKE.has(t.kind) && /\p{Ll}/u.test(t.word);
}
const NAME_LIKE: ReadonlySet<Kind> = new Set(['given', 'surname', 'name', 'weak', 'unknown']);

/** Whether a given name is among the capitalised words and particles from `from` on, in direction `step`. */
function hasGiven(tokens: readonly Token[], from: number, step: 1 | -1): boolean {
  for (let k = from; tokens[k]?.cap === true || tokens[k]?.particle === true; k += step) if (tokens[k]?.kind === 'given') return true;
  return false;
}

/** The letter nearest to the run in `side` (-1: the text before it, 1: after it), past spaces, punctuation and numbers. */
function nearest(side: string, direction: -1 | 1): string {
  const letters = side.match(/\p{L}/gu) ?? [];
  return (direction === 1 ? letters[0] : letters[letters.length - 1]) ?? '';
}

const nonLatinPersonWordBefore = (text: string, at: number): boolean => {
  const before = text.slice(Math.max(0, at - 14), at).trimEnd();
  return PERSON_BEFORE_NON_LATIN.some((w) => before.endsWith(w));
};

/**
 * Whether the run tokens[i..j] is part of a firm's name: joined to another capitalised run by a
 * spaced dash (`Ortiz - Purdy`), one of runs joined by `and`/`y`/`et` none of which holds a given
 * name (`Nájera Guzmán y Lugo Gaitán`), or an item of a list of single words (`Zieme, Nader and
 * Terry`, `Mitchell and Sons`).
 */
function isFirm(text: string, tokens: readonly Token[], i: number, j: number): boolean {
  const before = tokens[i - 1];
  const after = tokens[j + 1];
  const first = tokens[i] as Token;
  const last = tokens[j] as Token;
  // `Ortiz - Purdy`: two single surnames joined by a spaced dash, neither of them a given name.
  const alone = (k: number): boolean =>
    !(tokens[k - 1]?.cap === true && joined(text, tokens, k - 1)) && !(tokens[k + 1]?.cap === true && joined(text, tokens, k));
  const surnameLike = (t: Token | undefined): boolean => t !== undefined && t.kind !== 'given' && t.kind !== 'weak' && nameWord(t);
  if (i === j && surnameLike(first) && gap(text, last, after) === ' - ' && surnameLike(after) && alone(j + 1)) return true;
  if (i === j && surnameLike(first) && gap(text, before, first) === ' - ' && surnameLike(before) && alone(i - 1)) return true;
  const andAfter =
    after !== undefined && AND.has(after.lower) && gap(text, last, after) === ' ' && nameWord(tokens[j + 2]) && joined(text, tokens, j + 1);
  const andBefore =
    before !== undefined &&
    AND.has(before.lower) &&
    gap(text, before, first) === ' ' &&
    nameWord(tokens[i - 2]) &&
    joined(text, tokens, i - 2);
  if (!andAfter && !andBefore) return false;
  if (!hasGiven(tokens, i, 1) && !(andAfter && hasGiven(tokens, j + 2, 1)) && !(andBefore && hasGiven(tokens, i - 2, -1))) return true;
  if (tokens[j + 2]?.kind === 'org' || after?.kind === 'org') return true;
  const commaAfter = gap(text, last, after) === ', ' && nameWord(after);
  const commaBefore = gap(text, before, first) === ', ' && nameWord(before);
  return i === j && (commaAfter || commaBefore);
}

/** What the words around a run say: a person word before it, other script around it, a verb after it. */
type Context = 'person' | 'script' | 'after' | 'none';

/** Name spans of one run: split at stop, place and organisation words (and everyday words unless titled), each part scored. */
function runSpans(text: string, run: readonly Token[], titled: boolean, context: Context): EntitySpan[] {
  const spans: EntitySpan[] = [];
  const barrier = (t: Token | undefined): boolean =>
    t !== undefined && (t.kind === 'place' || t.kind === 'placePrefix' || t.kind === 'org');
  let from = 0;
  for (let k = 0; k <= run.length; k++) {
    const t = run[k];
    const afterParticle = run[k - 1]?.particle === true && k > from;
    const blocks =
      t !== undefined &&
      !t.particle &&
      !(afterParticle && (t.kind === 'common' || t.kind === 'stop')) &&
      (barrier(t) || (t.kind === 'stop' && !(titled && from === 0 && k > 0)) || (t.kind === 'common' && !(titled && from === 0)));
    if (t !== undefined && !blocks) continue;
    let part = run.slice(from, k);
    const atStart = from === 0;
    const openerAt = from - 1;
    const opener = run[openerAt];
    const closer = run[k];
    from = k + 1;
    while (part.length > 0 && (part[0] as Token).particle && !(atStart && titled)) part = part.slice(1);
    while (part.length > 0 && (part[part.length - 1] as Token).particle) part = part.slice(0, -1);
    if (part.length === 0) continue;
    // A place or a firm: words before `Valley`/`Group`, or after `Port`/`Bank` (unless a title says otherwise).
    // A place prefix that is also a street type (`Port`, `Mount`) counts only where it cannot end a
    // street's name: not right after another capitalised word of the run.
    const prefix = opener?.kind === 'placePrefix' && !(STREET_AFTER.has(fold(opener.word)) && run[openerAt - 1]?.cap === true);
    const place = (closer !== undefined && (closer.kind === 'place' || closer.kind === 'org')) || prefix || opener?.kind === 'org';
    if (place && !(titled && atStart)) continue;
    const partContext: Context = atStart ? context : opener !== undefined && PERSON_BEFORE.has(opener.lower) ? 'person' : 'none';
    // A lone word before a code is a ward, a room or a bed (`Ward 7B`), not a person.
    if (part.length === 1 && !(titled && atStart) && CODE_AFTER.test(text.slice((part[0] as Token).end, (part[0] as Token).end + 8)))
      continue;
    const score = partScore(part, titled && atStart, partContext);
    if (score !== null) spans.push({ start: (part[0] as Token).start, end: (part[part.length - 1] as Token).end, type: 'PERSON', score });
  }
  return spans;
}
