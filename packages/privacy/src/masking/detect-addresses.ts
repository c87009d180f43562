/**
 * Street addresses: a house number next to a street-type word (`street-words.ts`), in the orders
 * the world writes them, then whatever follows the street line — a flat or floor (`Apt. 4`,
 * `2º B`, `m. 12`, `- apto 12`) and a postcode with its town in the country's pattern.
 *
 * | street line                                                        | example                       |
 * |--------------------------------------------------------------------|-------------------------------|
 * | number, name, type after (English, Indian)                         | `149 Union Avenue`, `28, MG Road` |
 * | number, type, name (French, Portuguese, Arabic)                    | `34 rue de Provence`, `605 جادة عنود` |
 * | type, name, number (Spanish, Italian, Portuguese, Polish, Arabic)  | `Calle Mayor, 12`, `ul. Pieczek 42b`, `شارع بلسم، مبنى 31` |
 * | name, type, number (German, Dutch, Turkish written apart)          | `Reinickendorfer Str. 592`, `Okul Sokak No: 87` |
 * | one-word German or Dutch name, number                              | `Lindenweg 5`, `Kuijpersweg 741` |
 * | German `Am`/`Im`/`An der` + name + number                          | `Am Werth 19b`                 |
 * | Japanese prefecture, municipality, block (`丁目番号` or `1-2-3`)   | `〒154-8503 大阪府佐藤町9-1-4`  |
 *
 * Postcodes: five digits before the town (DE, FR, IT, ES, TR), `1234 AB` (NL), `12-345` (PL),
 * `1234-567` (PT), the town then `ST 12345-6789` (US), `- UF, 12345-678` (BR), six digits (IN), a
 * UK postcode, five digits after an Arabic town; `〒123-4567` before a Japanese address.
 *
 * A street line scores 0.7, 0.85 with a postcode and town; a Japanese address 0.85. Without a
 * house number nothing is reported: `Union Avenue` alone names a street, not where someone lives.
 */
import type { EntitySpan } from './entities';
import { AFTER_NAME, BEFORE_NAME, COMPOUND_SUFFIX, JA_PREFECTURES, UNIT_WORDS } from './street-words';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const ARABIC = /[\u0600-\u06FF]/;
/** A word as written in any case, an Arabic word with or without its short vowels. */
function variants(word: string): string[] {
  if (ARABIC.test(word)) return [[...word].map((ch) => `${escapeRegExp(ch)}\\p{M}*`).join('')];
  const lower = word.toLowerCase();
  return [...new Set([word, lower, lower.charAt(0).toUpperCase() + lower.slice(1), word.toUpperCase()])].map(escapeRegExp);
}
const alternation = (list: readonly string[]): string =>
  `(?:${[...new Set(list)]
    .sort((a, b) => b.length - a.length)
    .flatMap(variants)
    .join('|')})`;

const CAP = String.raw`\p{Lu}[\p{L}\p{M}'’-]*`;
const PARTICLE = `(?:de|del|della|delle|dei|degli|di|da|do|dos|das|du|des|la|le|les|l'|d'|van|von|der|den|het|ten|ter|al|el|y|e|et|und|am|an|auf|im|zum|zur|bin|ibn|aan|op|bij|bei|ob|sur|sous|upon|lès)`;
const ELIDED = String.raw`(?:d|l|dell|all|nell|sull|dall)['’]\p{Lu}[\p{L}\p{M}-]*`;
const WORD = String.raw`(?:${CAP}|${ELIDED}|${PARTICLE}|\d{1,3}(?:st|nd|rd|th|er|e|º|ª)?)(?![\p{L}\p{M}\p{N}'’-])`;
const ARABIC_WORD = String.raw`[\p{Script=Arabic}\p{M}]+`;
const HOUSE = String.raw`(?:\d{1,5}(?:[-/]\d{1,4})?[a-zA-Z]?(?: ?(?:bis|ter))?|s\/n\.?)(?![\p{L}\p{N}])`;
/** A house number after the street's name: at most four digits, so a postcode is not read as one. */
const HOUSE_AFTER = String.raw`(?:\d{1,4}(?:[-/]\d{1,4})?[a-zA-Z]?(?: ?(?:bis|ter))?|s\/n\.?)(?![\p{L}\p{N}])`;
/** A postcode and the start of a town: `, 10132 H`, ` 1091 ID B`, `, 97-418 K`. */
const POSTCODE = /,? (?:\d{5}|\d{4} ?[A-Z]{2}|\d{2}-\d{3}|\d{4}-\d{3}) \p{Lu}/gu;
const NUMBER_WORD = String.raw`(?:No:?|Nr\.?|n[º°.]|nº|N\.|Nº)`;
const START = String.raw`(?<![\p{L}\p{N}_./-])`;
const TYPE_END = String.raw`(?![\p{L}\p{N}])`;
/** A cheap guard before the patterns that start with a word: a digit follows within the clause. */
const NUMBER_AHEAD = String.raw`(?=[\p{L}'][^\d\n;!?]{0,60}\d)`;

const AFTER = alternation(AFTER_NAME);
const BEFORE = alternation(BEFORE_NAME.filter((w) => !ARABIC.test(w)));
const BEFORE_AR = alternation(BEFORE_NAME.filter((w) => ARABIC.test(w)));
const COMPOUND = alternation(COMPOUND_SUFFIX);

/**
 * Street-line patterns; `named`: the words after the type (group 1) must hold a capital letter, so
 * that `bloque de 3` or `cours 2` is not an address.
 */
const LINES: readonly { re: RegExp; named: boolean }[] = [
  { re: `${START}${HOUSE},? (?:${WORD} ){1,4}${AFTER}${TYPE_END}`, named: false },
  { re: `${START}${HOUSE},? (${BEFORE})(?: ${WORD}){1,5}`, named: true },
  { re: `${START}${HOUSE}،? ${BEFORE_AR}(?: ${ARABIC_WORD}){1,3}`, named: false },
  { re: `${START}(${BEFORE})(?: ${WORD}){1,5}?,? (?:${NUMBER_WORD} ?)?${HOUSE_AFTER}`, named: true },
  { re: `(?<![\\p{L}\\p{N}])${BEFORE_AR}(?: ${ARABIC_WORD}){1,4}?[،,]? (?:(?:مبنى|رقم|بناية|عمارة) )?${HOUSE_AFTER}`, named: false },
  { re: `${START}${NUMBER_AHEAD}${CAP}(?: ${WORD}){0,2} ${AFTER},? (?:${NUMBER_WORD} ?)?${HOUSE_AFTER}`, named: false },
  {
    re: `${START}${NUMBER_AHEAD}(?:(?:van|de|der|den|het|'t|Große|Kleine|Alte|Neue|Obere|Untere|Hohe|Lange|Breite) ){0,3}\\p{Lu}[\\p{L}-]*${COMPOUND} ${HOUSE_AFTER}`,
    named: false,
  },
  {
    re: `${START}(?:Am|Im|An der|An den|Auf der|Auf dem|Auf den|Auf'm|In der|In den|Zum|Zur|Unter den|Unter dem|Hinter der|Vor dem|Alte|Alter|Neue|Neuer|Große|Kleine) \\p{Lu}[\\p{L}-]*(?: \\p{Lu}[\\p{L}-]*)? \\d{1,3}[a-z]?(?![\\p{L}\\p{N}])`,
    named: false,
  },
].map(({ re, named }) => ({ re: new RegExp(re, 'gu'), named }));

/** Any name and a house number, ending where a postcode follows (`Oberölbach 98, 10132 Hamburg`). */
const BEFORE_POSTCODE = new RegExp(
  `${START}${CAP}(?: ${WORD}){0,3},? ${HOUSE_AFTER}(?:,? \\d{1,2}[ºª](?: ?[\\p{L}.]{1,5})?|,? bajo)?$`,
  'u',
);

const KANA_HAN = String.raw`[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー]`;
const JA_BLOCK = String.raw`(?:\d{1,3}丁目(?:\d{1,4}番地?)?(?:\d{1,4}号)?|\d{1,4}番地?(?:\d{1,4}号)?|\d{1,3}-\d{1,4}(?:-\d{1,4})?)`;
const JA = new RegExp(
  String.raw`(?:〒\s?\d{3}-\d{4}\s?)?(?:${JA_PREFECTURES.join('|')})${KANA_HAN}{1,10}?(?:市|区|町|村|郡)${KANA_HAN}{0,10}?${JA_BLOCK}|〒\s?\d{3}-\d{4}\s?${KANA_HAN}{1,10}?(?:市|区|町|村|郡)${KANA_HAN}{0,10}?${JA_BLOCK}`,
  'gu',
);

const CITY = String.raw`${CAP}(?: (?:${CAP}|${PARTICLE}|\p{Ll}+['’]\p{L}+)(?![\p{L}\p{M}\p{N}'’-])){0,4}`;
const ARABIC_CITY = `${ARABIC_WORD}(?: ${ARABIC_WORD})?`;
/** What may follow a street line, tried at its end until none applies. */
const TAILS: readonly RegExp[] = [
  String.raw`,? (?:${alternation(UNIT_WORDS)}) ?[\p{L}\p{N}º°ª.-]{0,6}`,
  String.raw` (?:I{1,3}|IV|V)(?![\p{L}\p{N}])`,
  String.raw`,? \d{1,3} hoog`,
  String.raw`,? \d{1,2}[ºª](?: ?(?:[A-D]|izq\.?|dcha\.?|der\.?))?`,
  `,? bajo`,
  String.raw` - (?:apto|casa|bloco|sala|loja) ?[\p{L}\p{N}]{1,4}`,
  // A postcode, its town, and lowercase words that end the clause with it (`Sesto San Giovanni`,
  // `Reggio nell'Emilia`, `Carrieri a mare.`).
  String.raw`,? (?:\d{5}|\d{4} ?[A-Z]{2}|\d{2}-\d{3}|\d{4}-\d{3}) ${CITY}(?:(?: \p{Ll}[\p{L}'’]*){1,3}(?=[,.;:)]|$))?`,
  String.raw`, ${CITY},? (?:[A-Z]{2} )?\d{5}(?:-\d{4})?`,
  String.raw`, ${CITY} - [A-Z]{2},? \d{5}-?\d{3}`,
  String.raw`, (?:CEP )?\d{5}-\d{3}`,
  String.raw`, ${CITY}(?: -)? \d{3} ?\d{3}`,
  String.raw`, ${CITY},? [A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}`,
  String.raw`[،,] ?${ARABIC_CITY} \d{5}(?:-\d{4})?`,
].map((source) => new RegExp(`^(?:${source})(?![\\p{L}\\p{N}])`, 'u'));
const POSTCODE_TAIL = /\d{4,5}|\d{2}-\d{3}|\d{3} ?\d{3}|\d[A-Z]{2}$/;

/** The end of the address that starts with the street line [start, end): units, postcode, town. */
function extend(text: string, end: number): { end: number; town: boolean } {
  let at = end;
  let town = false;
  for (let steps = 0; steps < 4; steps++) {
    const rest = text.slice(at, at + 80);
    const tail = TAILS.map((re) => re.exec(rest)?.[0]).find((m) => m !== undefined);
    if (tail === undefined) break;
    town ||= POSTCODE_TAIL.test(tail);
    at += tail.length;
  }
  return { end: at, town };
}

export function detectAddresses(text: string): EntitySpan[] {
  if (!/\d/.test(text)) return [];
  const lines: { start: number; end: number }[] = [];
  for (const { re, named } of LINES) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (named && !/\p{Lu}/u.test(m[0].slice(m[0].indexOf(m[1] as string) + (m[1] as string).length))) {
        re.lastIndex = m.index + 1;
        continue;
      }
      lines.push({ start: m.index, end: m.index + m[0].length });
    }
  }
  for (const m of text.matchAll(POSTCODE)) {
    // The street line just before a postcode: searched in the clause before it only.
    let from = Math.max(0, m.index - 70);
    if (from > 0) from = text.indexOf(' ', from) + 1;
    const line = BEFORE_POSTCODE.exec(text.slice(from, m.index));
    if (line !== null) lines.push({ start: from + line.index, end: m.index });
  }
  JA.lastIndex = 0;
  for (let m = JA.exec(text); m !== null; m = JA.exec(text)) lines.push({ start: m.index, end: m.index + m[0].length });
  // One span per address: overlapping street-line readings merge, then the tail is added.
  lines.sort((a, b) => a.start - b.start || b.end - a.end);
  const spans: EntitySpan[] = [];
  for (const line of lines) {
    const last = spans[spans.length - 1];
    if (last !== undefined && line.start <= last.end) {
      if (line.end > last.end) last.end = line.end;
      continue;
    }
    spans.push({ start: line.start, end: line.end, type: 'STREET_ADDRESS', score: 0.7 });
  }
  for (const span of spans) {
    const { end, town } = extend(text, span.end);
    span.end = end;
    if (town || /^〒|丁目|\d-\d+-\d/.test(text.slice(span.start, span.end))) span.score = 0.85;
  }
  return spans;
}
