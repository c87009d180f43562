/**
 * Person names by dictionary: capitalised tokens (`Smith`, `O'Brien`, `McDonald`, `Smith-Jones`)
 * are looked up in the built-in lists of given names and surnames (plus any `extraNames`), and each
 * run of tokens separated by single spaces is scored:
 *
 * | pattern (in one run)                                                   | score |
 * |------------------------------------------------------------------------|-------|
 * | given name … surname (`first [middle…] last`), or 2–3 tokens holding one | 0.85  |
 * | after a title (`Dr.`, `Mrs`): the whole run                             | 0.8   |
 * | 2–3 tokens: given name first, surname last, or names and initials only | 0.7   |
 * | 2–3 tokens, one of them a known name elsewhere                         | 0.6   |
 * | longer runs: given name + unknown token, unknown token + surname       | 0.7   |
 * | a lone given name                                                      | 0.5   |
 * | a lone surname                                                         | 0.4   |
 *
 * After the best window (or lone name) of a run is taken, the tokens left and right of it are
 * scored as runs of their own. Names that are also everyday words or places (`AMBIGUOUS_NAMES`: Rose, Brown, May…)
 * are never reported alone, and a window whose only known names are such words scores at most 0.5
 * (so "Jakayla Price" is found, and so is "Quick Brown Fox": raise `minScore` above 0.5 to trade
 * that recall for precision). Capitalised function words, months and weekdays end a run; a run
 * next to a place word (`Port Niko`, `Hansen Valleys`) is a place, not a person. A title is not part
 * of the span.
 *
 * A dictionary of a few hundred names finds common names only: a name with neither part in it is
 * missed, however the sentence reads. Supply the population's names as `extraNames` when they are
 * known.
 */
import type { EntitySpan } from './entities';
import { AMBIGUOUS_NAMES, FIRST_NAMES, SURNAMES } from './names-dictionary';

/** Names to recognise besides the built-in dictionary (any case; matched case-insensitively). */
export interface ExtraNames {
  firstNames?: readonly string[];
  surnames?: readonly string[];
}

const STOP_WORDS = new Set(
  `
  the a an and or but if then this that these those there here it its we you they he she i my our
  your his her their in on at by for from to of with about after before during into over under via
  is are was were be been has have had do does did not no yes please dear hi hello thanks thank
  regards best kind sincerely contact call email phone send ask see meet met customer client patient
  user name note notes meeting order account card invoice ticket re fw fwd subject from to cc
  monday tuesday wednesday thursday friday saturday sunday january february march july september
  october november december street st road rd avenue ave lane ln drive dr boulevard blvd court square
  inc ltd llc plc corp co company group bank hospital university college school state
  united kingdom america republic
`
    .trim()
    .split(/\s+/),
);
/** Words that make the capitalised words next to them a place (`Port Niko`, `Hansen Valleys`). */
const PLACE_BEFORE = new Set(['north', 'south', 'east', 'west', 'new', 'saint', 'st', 'mount', 'lake', 'port', 'fort', 'san', 'santa']);
const PLACE_AFTER = new Set(
  `
  street st road rd avenue ave lane ln drive dr boulevard blvd court square way bypass junction
  junctions causeway freeway expressway highway estate estates station gardens valley valleys
  extension extensions crossing heights hills park parkway place plaza ridge route terrace trail
  view village ville center centre mall loop pike row walk alley bridge island fort city county
`
    .trim()
    .split(/\s+/),
);
const TITLES = /^(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|lady|lord)$/;

const WORD = String.raw`\p{Lu}(?:\p{Ll}+|['’]\p{Lu}\p{Ll}+)(?:\p{Lu}\p{Ll}+)?`; // Smith, O'Brien, McDonald
const TOKEN = new RegExp(
  String.raw`(?<![\p{L}\p{N}_@.'’-])(?:\p{Lu}\.(?= )|${WORD}(?:-${WORD})*\.?)(?![\p{L}\p{N}_@-]|['’]\p{L}{2}|\.[\p{L}\p{N}])`,
  'gu',
);

interface Token {
  start: number;
  end: number;
  first: boolean;
  surname: boolean;
  initial: boolean;
  ambiguous: boolean;
  stop: boolean;
  title: boolean;
  placeBefore: boolean;
  placeAfter: boolean;
}

interface Dictionary {
  first: ReadonlySet<string>;
  surname: ReadonlySet<string>;
}

const normalise = (name: string): string => name.toLowerCase().replace(/’/g, "'");
const BUILT_IN: Dictionary = { first: new Set(FIRST_NAMES), surname: new Set(SURNAMES) };
const compiled = new WeakMap<ExtraNames, Dictionary>();

function dictionary(extra: ExtraNames | undefined): Dictionary {
  if (extra === undefined) return BUILT_IN;
  let dict = compiled.get(extra);
  if (dict === undefined) {
    dict = {
      first: new Set([...FIRST_NAMES, ...(extra.firstNames ?? []).map(normalise)]),
      surname: new Set([...SURNAMES, ...(extra.surnames ?? []).map(normalise)]),
    };
    compiled.set(extra, dict);
  }
  return dict;
}

function tokens(text: string, dict: Dictionary): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN)) {
    let word = m[0];
    const initial = /^\p{Lu}\.$/u.test(word);
    // A trailing full stop belongs to the token only for initials and titles ("J.", "Dr.").
    const key = normalise(word.replace(/\.$/, ''));
    const title = TITLES.test(key);
    if (!initial && !title && word.endsWith('.')) word = word.slice(0, -1);
    // Double-barrelled: Mary-Kate is a given name when both parts are; Adams-Nader a surname when either is.
    const parts = key.split('-');
    const first = parts.every((p) => dict.first.has(p));
    const surname = parts.some((p) => dict.surname.has(p));
    const placeBefore = PLACE_BEFORE.has(key);
    const placeAfter = PLACE_AFTER.has(key);
    const stop = !first && !surname && (STOP_WORDS.has(key) || placeBefore || placeAfter);
    out.push({
      start: m.index,
      end: m.index + word.length,
      first,
      surname,
      initial,
      ambiguous: AMBIGUOUS_NAMES.has(key),
      stop,
      title,
      placeBefore,
      placeAfter,
    });
  }
  return out;
}

const known = (t: Token): boolean => t.first || t.surname;
const unknown = (t: Token): boolean => !known(t) && !t.initial;

interface Window {
  from: number;
  to: number;
  score: number;
}

/** The most name-like window of a run, by the table in the module comment, or null. */
function bestWindow(run: readonly Token[], afterTitle: boolean): Window | null {
  const n = run.length;
  const f = run.findIndex((t) => t.first);
  let s = n - 1;
  while (s >= 0 && !(run[s] as Token).surname) s--;
  const fullName = f >= 0 && s > f;
  if (afterTitle) return { from: 0, to: n - 1, score: fullName ? 0.85 : 0.8 };
  if (n >= 2 && n <= 3 && run.some(known)) {
    // A short run around a known name: "Mary Anne Johnson", "Taylor Wiza", "Oda Luna Douglas".
    if (fullName) return { from: 0, to: n - 1, score: 0.85 };
    const nameShaped = run.every((t) => known(t) || t.initial) || (run[0] as Token).first || (run[n - 1] as Token).surname;
    return { from: 0, to: n - 1, score: nameShaped ? 0.7 : 0.6 };
  }
  if (n === 4 && run.every((t) => known(t) || t.initial)) return { from: 0, to: n - 1, score: fullName ? 0.85 : 0.7 };
  if (fullName) {
    let [from, to] = [f, s];
    while (from > 0 && known(run[from - 1] as Token)) from--;
    while (to < n - 1 && known(run[to + 1] as Token)) to++;
    return { from, to, score: 0.85 };
  }
  if (f >= 0 && f + 1 < n && unknown(run[f + 1] as Token)) return { from: f, to: f + 1, score: 0.7 };
  if (s > 0 && unknown(run[s - 1] as Token)) return { from: s - 1, to: s, score: 0.7 };
  return null;
}

/**
 * Name spans of one run of adjacent tokens (no stop words or titles inside): the best window, then
 * the tokens left of it and right of it as runs of their own ("… Eldred Dibbert Brady Aretha
 * Jones" holds two names); lone names when no window fits.
 */
function runSpans(tokensOfRun: readonly Token[], afterTitle: boolean): EntitySpan[] {
  let run = tokensOfRun;
  while (run.length > 0 && (run[0] as Token).initial) run = run.slice(1);
  while (run.length > 0 && (run[run.length - 1] as Token).initial) run = run.slice(0, -1);
  if (run.length === 0) return [];
  const window = bestWindow(run, afterTitle);
  if (window !== null) {
    const inside = run.slice(window.from, window.to + 1);
    const onlyAmbiguous = !afterTitle && inside.filter(known).every((t) => t.ambiguous);
    const span: EntitySpan = {
      start: (inside[0] as Token).start,
      end: (inside[inside.length - 1] as Token).end,
      type: 'PERSON',
      score: onlyAmbiguous ? Math.min(window.score, 0.5) : window.score,
    };
    return [...runSpans(run.slice(0, window.from), false), span, ...runSpans(run.slice(window.to + 1), false)];
  }
  // No window: the first unambiguous name on its own, and the tokens either side as runs of their own.
  const lone = run.findIndex((t) => known(t) && !t.ambiguous);
  if (lone < 0) return [];
  const token = run[lone] as Token;
  const span: EntitySpan = { start: token.start, end: token.end, type: 'PERSON', score: token.first ? 0.5 : 0.4 };
  return [...runSpans(run.slice(0, lone), false), span, ...runSpans(run.slice(lone + 1), false)];
}

export function detectPersons(text: string, extraNames?: ExtraNames): EntitySpan[] {
  const all = tokens(text, dictionary(extraNames));
  const adjacent = (a: Token | undefined, b: Token | undefined): boolean =>
    a !== undefined && b !== undefined && text.slice(a.end, b.start) === ' ';
  const spans: EntitySpan[] = [];
  let from = 0; // index in `all` of the current run's first token
  let run: Token[] = [];
  const flush = (next: number): void => {
    if (run.length === 0) return;
    const before = all[from - 1];
    const after = all[next];
    const place =
      (before?.placeBefore === true && adjacent(before, run[0])) || (after?.placeAfter === true && adjacent(run[run.length - 1], after));
    const afterTitle = before?.title === true && adjacent(before, run[0]);
    if (!place) spans.push(...runSpans(run, afterTitle));
    run = [];
  };
  all.forEach((token, i) => {
    if (run.length > 0 && (token.stop || token.title || !adjacent(run[run.length - 1], token))) flush(i);
    if (token.stop || token.title) return;
    if (run.length === 0) from = i;
    run.push(token);
  });
  flush(all.length);
  return spans;
}
