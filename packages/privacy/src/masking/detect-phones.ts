/**
 * Telephone numbers, validated against every region's numbering plan by libphonenumber-js (the
 * JavaScript port of Google's libphonenumber metadata, "max" set: per-type patterns for fixed,
 * mobile, toll-free… numbers of each region).
 *
 * 1. Candidates: runs of digits joined by single separators (space, `.`, `-`, `/`) and bracketed
 *    groups (`(11)`, `(0)`, `(1234)`), optionally after `+` or `00`, not glued to a word or to a
 *    longer number. Dates, IPv4 addresses, amounts followed by a currency and times never qualify.
 * 2. A candidate with `+` or `00` is parsed as international: valid for its calling code → 0.85.
 * 3. Otherwise it is read as a national number of each expected region in turn (the region's trunk
 *    prefix removed): its length and pattern are checked against the region's plan, and the first
 *    region that accepts it is confirmed by parsing → 0.7 with a trunk prefix or brackets, 0.6
 *    without. A bare run of digits without a trunk prefix (`612345678`) counts only next to a phone
 *    word (`tel.`, `móvil`, `電話`, `هاتف`…).
 * 4. Shapes that are unmistakably telephone numbers but not allocated numbers — `(555) 123-4567`,
 *    `0151/1234567` (a length the region allows, written with a trunk prefix and separators) — are
 *    still reported, at 0.45: masking prefers a false alarm to a leak.
 *
 * A phone word within the 24 characters before a number raises its score by 0.1.
 */
import { Metadata, type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';
import type { EntitySpan } from './entities';
import { PrivacyError } from '../errors';

/**
 * Regions whose national formats are recognised when a policy does not say: North America, the
 * United Kingdom and Ireland, most of the European Union's large members, Switzerland, Turkey,
 * Brazil, Mexico, Japan, India, Australia, Saudi Arabia, the Emirates and Egypt.
 */
export const DEFAULT_PHONE_REGIONS: readonly string[] = [
  ...['US', 'CA', 'GB', 'IE', 'DE', 'AT', 'CH', 'FR', 'BE', 'NL', 'ES', 'PT', 'IT', 'PL', 'SE', 'TR'],
  ...['BR', 'MX', 'JP', 'IN', 'AU', 'SA', 'AE', 'EG'],
];

/** The parts of libphonenumber-js's numbering plan object used here (present at run time, typed loosely upstream). */
interface PlanApi {
  nationalPrefix(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[];
  type(name: string): { pattern(): string } | undefined;
}

interface Plan {
  region: CountryCode;
  trunkPrefix: string | undefined;
  lengths: ReadonlySet<number>;
  general: RegExp;
  types: RegExp[];
}

const TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'PERSONAL_NUMBER', 'VOIP', 'UAN', 'PAGER', 'VOICEMAIL'];
const plans = new Map<string, Plan | null>();

/** The compiled plan of `region`, or null when libphonenumber does not know it. */
function planOf(region: string): Plan | null {
  let plan = plans.get(region);
  if (plan === undefined) {
    const meta = new Metadata(metadata);
    if (!(region in metadata.countries)) plan = null;
    else {
      meta.selectNumberingPlan(region as CountryCode);
      const np = meta.numberingPlan as unknown as PlanApi;
      const patterns = TYPES.map((t) => np.type(t)?.pattern()).filter((p): p is string => p !== undefined);
      plan = {
        region: region as CountryCode,
        trunkPrefix: np.nationalPrefix(),
        lengths: new Set(np.possibleLengths()),
        general: new RegExp(`^(?:${np.nationalNumberPattern()})$`),
        types: patterns.map((p) => new RegExp(`^(?:${p})$`)),
      };
    }
    plans.set(region, plan);
  }
  return plan;
}

/** Whether `region` is an ISO 3166-1 alpha-2 code libphonenumber has a numbering plan for. */
export function isPhoneRegion(region: unknown): boolean {
  return typeof region === 'string' && /^[A-Z]{2}$/.test(region) && planOf(region) !== null;
}

/** Checks a list of phone regions (ISO 3166-1 alpha-2 codes libphonenumber knows). */
export function checkPhoneRegions(regions: readonly string[]): void {
  const bad = regions.find((r) => !isPhoneRegion(r));
  if (bad !== undefined || regions.length === 0) {
    throw new PrivacyError(
      'INVALID_ARGUMENT',
      `phoneRegions must be a non-empty list of ISO 3166-1 alpha-2 region codes with a numbering plan (e.g. "DE"); got ${JSON.stringify(bad ?? regions)}.`,
    );
  }
}

const GROUP_SEP = String.raw`(?:[ .\/-]| ?\((?:0|\d{1,5})\) ?)`;
const CANDIDATE = new RegExp(
  String.raw`(?<![\p{Script=Latin}\p{N}_@#+.\/-])(?:\+ ?|00(?=[1-9]))?(?:\(\d{1,5}\) ?)?\d+(?:${GROUP_SEP}\d+)*(?: ?(?:x|ext\.?) ?\d{1,6})?(?![\p{Script=Latin}\p{N}%]|[.,]\d)`,
  'gu',
);
const EXTENSION = /\s?(?:x|ext\.?)\s?\d{1,6}$/;
/** Dates, US ZIP+4 codes and SSNs written with separators: never read as phone numbers. */
const NOT_A_PHONE = /^(?:\d{1,4}([./-])\d{1,2}\1\d{2,4}|\d{5}-\d{4}|\d{3}([ -])\d{2}\2\d{4})$/;
const LEADING_NOT_A_PHONE = /^(?:\d{1,4}([./-])\d{1,2}\1\d{2,4}|\d{5}-\d{4}|\d{3}-\d{2}-\d{4})(?= )/;
const CARD_LIKE = /^\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,4})?$/;
const IPV4_SHAPE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const NANP_SHAPE = /^(?:\+?1[ .-])?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}$/;
const CURRENCY_AFTER = /^ ?(?:€|\$|£|¥|₹|円|ريال|(?:zł|TL|EUR|USD|GBP|PLN|kr)(?![\p{L}\p{N}]))/u;
/** Words that announce a telephone number, in the corpus's languages and a few more. */
const PHONE_WORDS =
  /(?:\b(?:tel|tél|telf|phone|ph|mobile|mob|cell|call|fax|whatsapp|telefon|handy|mobil|rufnummer|téléphone|portable|teléfono|telefono|móvil|movil|celular|cel|cellulare|telefoon|mobiel|bellen|telefone|ligar|kom|komórka|numer|cep|numara|gsm)\b|電話|携帯|ＴＥＬ|फ़ोन|फोन|मोबाइल|هاتف|جوال|موبايل|الرقم)[^\p{L}\p{N}]{0,6}(?:[\p{L}.:]{1,12}[^\p{L}\p{N}]{1,3})?$/iu;

/** Words after which a bare run of digits is a reference, an order or an account, not a phone. */
const NOT_PHONE_WORDS =
  /(?:\b(?:ref|reference|réf|rif|nr|no|n[º°o]|order|invoice|account|acct|id|code|pedido|factura|fattura|facture|rechnung|kd|kunden\w*|klantnr|protocolo|numer\w*|numara\w*|ticket|case|dossier|akte|card|karte|carte|tarjeta|carta|kaart|cartão|kart|konto|compte|cuenta|conto|rekening|iban)\b|#|受付番号|注文番号|संदर्भ|المرجع|الطلب)[^\p{L}\p{N}]{0,4}$/iu;

/** Whether `national` (without trunk prefix) is a valid number of `plan`: a possible length, the general pattern and one type's pattern. */
function validIn(plan: Plan, national: string): boolean {
  return plan.lengths.has(national.length) && plan.general.test(national) && plan.types.some((t) => t.test(national));
}

/** The score of `main` (no extension) written with `+` or `00`, or null. */
function internationalScore(main: string): number | null {
  const number = parsePhoneNumberFromString(`+${main.replace(/^(?:\+\s?|00)/, '').replace('(0)', '')}`, metadata);
  if (number === undefined) return null;
  const regions = metadata.country_calling_codes[number.countryCallingCode] ?? [];
  if (
    regions.some((r) => {
      const plan = planOf(r);
      return plan !== null && validIn(plan, number.nationalNumber);
    })
  )
    return 0.85;
  return number.isPossible() ? 0.6 : null;
}

/** The score of `main` (no extension) as a national number of one of `regions`, or null. */
function nationalScore(main: string, digits: string, regions: readonly string[], context: () => boolean): number | null {
  if (NOT_A_PHONE.test(main)) return null;
  const formatted = /[ ./()-]/.test(main);
  const trunk = digits.startsWith('0');
  // A bare run without a trunk prefix is a phone only if a phone word announces it, or, weakly, if
  // no reference word (`ref.`, `Nr.`, `order`, `受付番号`…) says it is something else.
  const bare = !formatted && !trunk && !context();
  if (bare && digits.length > 11) return null;
  let possible = false;
  for (const region of regions) {
    const plan = planOf(region);
    if (plan === null) continue;
    const national = trunk && plan.trunkPrefix === '0' ? digits.slice(1) : digits;
    possible ||= trunk && plan.trunkPrefix === '0' && plan.lengths.has(national.length);
    if (validIn(plan, national)) return bare ? 0.4 : trunk || main.startsWith('(') ? 0.7 : 0.6;
  }
  if (NANP_SHAPE.test(main)) return 0.45;
  return possible && formatted ? 0.45 : null;
}

export interface PhoneOptions {
  /** Regions whose national formats to recognise. @default DEFAULT_PHONE_REGIONS */
  phoneRegions?: readonly string[];
}

export function detectPhones(text: string, options: PhoneOptions = {}): EntitySpan[] {
  const regions = options.phoneRegions ?? DEFAULT_PHONE_REGIONS;
  const spans: EntitySpan[] = [];
  const re = new RegExp(CANDIDATE.source, CANDIDATE.flags);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const candidate = m[0];
    const after = m.index + candidate.length;
    if (IPV4_SHAPE.test(candidate)) continue;
    // A date, SSN or ZIP+4 followed by more digits is that, then another number: never one phone.
    const lead = LEADING_NOT_A_PHONE.exec(candidate);
    if (lead !== null) {
      re.lastIndex = m.index + lead[0].length;
      continue;
    }
    let context: boolean | undefined;
    const before = (): string => text.slice(Math.max(0, m.index - 24), m.index);
    const hasContext = (): boolean => (context ??= PHONE_WORDS.test(before()));
    const international = /^(?:\+|00)/.test(candidate);
    // The longest reading first, then shorter ones ending before a separator: "0176 4692562 030 …"
    // is a phone followed by another number, not one 18-digit number.
    // Cuts only at a space, and never in a card-like run of four-digit groups.
    if (CARD_LIKE.test(candidate)) continue;
    // A bare run of digits after `ref.`, `order`, `card`… is that, unless a phone word says otherwise.
    if (/^\+?\d+$/.test(candidate) && !hasContext() && NOT_PHONE_WORDS.test(before())) continue;
    const ends = [candidate.length, ...[...candidate.matchAll(/ (?=[\d(+])/g)].map((s) => s.index).reverse()];
    let found: EntitySpan | undefined;
    for (const end of ends) {
      const written = candidate.slice(0, end).trimEnd();
      const main = written.replace(EXTENSION, '');
      const digits = main.replace(/\D/g, '');
      if (digits.length < 9 || digits.length > (international ? 17 : 13)) continue;
      const stop = m.index + written.length;
      if (CURRENCY_AFTER.test(text.slice(stop, stop + 5))) continue; // an amount
      const s = international ? internationalScore(main) : nationalScore(main, digits, regions, hasContext);
      if (s === null) continue;
      found = {
        start: m.index,
        end: m.index + written.length,
        type: 'PHONE',
        score: hasContext() ? Math.min(0.95, Math.round((s + 0.1) * 100) / 100) : s,
      };
      break;
    }
    if (found !== undefined) {
      spans.push(found);
      re.lastIndex = found.end;
      continue;
    }
    // A number may still start at a later group of the run ("ref 1234 0612345678").
    const next = candidate.slice(1).search(/(?<= )[\d(+]/);
    re.lastIndex = next < 0 ? after : m.index + 1 + next;
  }
  return spans;
}
