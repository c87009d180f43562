/**
 * Person names in Arabic script, which has no capitals: a name is read where something announces
 * it, and runs until a function word, a number or punctuation.
 *
 * | cue                                                                          | score |
 * |------------------------------------------------------------------------------|-------|
 * | a title before it: `السيد`, `السيدة`, `الدكتور`, `د.`, `الأستاذ`, `المهندس`, `الشيخ` (also glued to `لـ`/`بـ`) | 0.85 |
 * | a person word before it: `المريض`, `اتصل`, `مرحبا`, `عزيزي`, `العميل`, `من قبل` | 0.75 |
 * | a common given name (`AR_GIVEN_NAMES`) followed by a family name in `ال…`, or `بن`/`بنت` and a name | 0.7 |
 *
 * The name is one to four words; `بن`, `بنت`, `ابن`, `أبو`, `عبد` join words into one name
 * (`عبد السلام`, `نصحي بن عبد السلام`).
 */
import type { EntitySpan } from './entities';
import { ARABIC_TITLES } from './name-words';

/** About 120 common Arabic given names, compiled by hand. */
export const AR_GIVEN_NAMES: ReadonlySet<string> = new Set(
  `محمد أحمد محمود مصطفى علي حسن حسين عمر عثمان خالد يوسف إبراهيم ابراهيم إسماعيل اسماعيل يعقوب إسحاق موسى عيسى
  سليمان داود هارون يحيى زكريا صالح سالم سعيد سعد سعود فهد فيصل ناصر منصور طارق زياد وليد هشام هاني سامي رامي
  كريم عادل عماد جمال كمال نبيل نادر ماجد مازن باسم بسام حسام عصام أسامة اسامة أنس أمجد أيمن ايمن رائد رشيد
  عبدالله عبدالرحمن عبدالعزيز عبدالكريم عبدالرحيم حمزة بلال جابر جميل راشد سلطان شريف طلال عمار غسان قاسم لؤي
  مالك مراد معاذ نزار نصر وائل ياسر يزن إياد اياد حمد راكان تركي بدر
  فاطمة عائشة خديجة مريم زينب نور نورة سارة ليلى هدى سلمى أمل امل رنا رانيا ريم لينا لمى دانة دينا هبة هند
  منى نادية سعاد سميرة سناء فرح جميلة حنان إيمان ايمان أسماء اسماء آمنة أميرة اميرة بسمة بشرى حلا رحاب رغد
  روان زهراء سمر شيماء صفاء عبير علياء غادة لبنى مها ميساء ندى نهى هالة وفاء ياسمين يارا جود`
    .trim()
    .split(/\s+/),
);

const WORD = String.raw`[\p{Script=Arabic}\p{M}]+`;
const TITLES = [...ARABIC_TITLES, 'الحاج', 'الحاجة', 'سيد', 'سيدة', 'دكتور'];
const PERSON_WORDS = [
  'المريض',
  'المريضة',
  'اتصل',
  'اتصلت',
  'مرحبا',
  'عزيزي',
  'عزيزتي',
  'العميل',
  'العميلة',
  'من قبل',
  'محال من',
  'سيتواصل',
  'ستتواصل',
  'تواصل',
  'قال',
  'قالت',
  'الموظف',
  'الموظفة',
];
/** Words that end a name: prepositions, conjunctions and the nouns that follow a name in notes. */
const STOP = new Set(
  'من في على إلى الى عن مع بتاريخ بخصوص تاريخ هاتف جوال رقم العنوان قبل بعد يرجى و أو ثم الذي التي هو هي لدى عند حول بشأن سوف قد لم لن'.split(
    ' ',
  ),
);
const JOINERS = new Set(['بن', 'بنت', 'ابن', 'أبو', 'ابو', 'عبد', 'آل']);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const CUE = new RegExp(
  String.raw`(?<![\p{Script=Arabic}])(?:[لب]ـ?)?(${TITLES.map(escapeRegExp).join('|')}|${PERSON_WORDS.map(escapeRegExp).join('|')})\s?[:،]?\s*(?=\p{Script=Arabic})`,
  'gu',
);
const NAME_WORDS = new RegExp(`(?:${WORD})(?: (?:${WORD})){0,5}`, 'uy');

/** The name starting at `at`: up to four words (joiners not counted), stopping at a stop word. */
function nameAt(text: string, at: number): { end: number; words: string[] } | null {
  NAME_WORDS.lastIndex = at;
  const m = NAME_WORDS.exec(text);
  if (m === null) return null;
  const words: string[] = [];
  let end = at;
  let counted = 0;
  let offset = at;
  for (const word of m[0].split(' ')) {
    if (STOP.has(word) || counted >= 4) break;
    words.push(word);
    if (!JOINERS.has(word)) counted++;
    offset += word.length;
    end = offset;
    offset += 1;
  }
  while (words.length > 0 && JOINERS.has(words[words.length - 1] as string)) {
    end -= (words.pop() as string).length + 1;
  }
  return words.length === 0 ? null : { end, words };
}

/** Arabic-script person names in `text`. */
export function detectArabicNames(text: string): EntitySpan[] {
  if (!/\p{Script=Arabic}/u.test(text)) return [];
  const spans: EntitySpan[] = [];
  for (const m of text.matchAll(CUE)) {
    let at = m.index + m[0].length;
    // A person word then a title (`محال من الدكتور …`): the name starts after the title.
    const title = TITLES.find((t) => text.startsWith(`${t} `, at));
    if (title !== undefined) at += title.length + 1;
    const name = nameAt(text, at);
    if (name === null) continue;
    const titled = TITLES.includes(m[1] as string);
    spans.push({ start: at, end: name.end, type: 'PERSON', score: titled ? 0.85 : 0.75 });
  }
  const GIVEN = new RegExp(String.raw`(?<![\p{Script=Arabic}])(?:${[...AR_GIVEN_NAMES].join('|')})(?= (?:ال|بن |بنت |ابن |عبد ))`, 'gu');
  for (const m of text.matchAll(GIVEN)) {
    if (spans.some((s) => s.start <= m.index && m.index < s.end)) continue;
    const name = nameAt(text, m.index);
    if (name !== null && name.words.length >= 2) spans.push({ start: m.index, end: name.end, type: 'PERSON', score: 0.7 });
  }
  return spans;
}
