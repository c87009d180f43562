/**
 * Telephone numbers as people write them in each country: national forms with the country's usual
 * grouping and trunk prefix, and international forms (`+CC …`, `00CC …`, `+49 (0)30 …`). Numbers
 * are drawn in ranges the national numbering plans allocate (mobile and geographic prefixes), so a
 * detector that validates against the plans has something real to validate; the subscriber digits
 * are random.
 *
 * The formats are written from the numbering plans and from how numbers appear on letterheads and
 * web pages in each country, not from any detector's patterns.
 */
import type { Faker } from '@faker-js/faker';

/** Regions whose numbers the corpus writes (ISO 3166-1 alpha-2). */
export const PHONE_COUNTRIES = ['US', 'GB', 'AU', 'DE', 'FR', 'ES', 'IT', 'NL', 'BR', 'JP', 'IN', 'PL', 'TR', 'SA', 'EG', 'AE'] as const;
export type PhoneCountry = (typeof PHONE_COUNTRIES)[number];

const digits = (f: Faker, n: number): string => f.string.numeric({ length: n, allowLeadingZeros: true });
/** n digits, the first one 2–9 (subscriber numbers rarely start with 0 or 1). */
const sub = (f: Faker, n: number): string => `${f.number.int({ min: 2, max: 9 })}${digits(f, n - 1)}`;
const pick = <T>(f: Faker, items: readonly T[]): T => f.helpers.arrayElement(items);

/** One number of `country`, in one of the forms written there. */
export function writePhone(f: Faker, country: PhoneCountry): string {
  switch (country) {
    case 'US': {
      const area = pick(f, ['212', '213', '305', '312', '404', '415', '512', '617', '646', '702', '713', '718', '206', '303', '917']);
      const [ex, line] = [sub(f, 3), digits(f, 4)];
      return pick(f, [
        `(${area}) ${ex}-${line}`,
        `${area}-${ex}-${line}`,
        `${area}.${ex}.${line}`,
        `+1 ${area} ${ex} ${line}`,
        `1-${area}-${ex}-${line}`,
        `+1 (${area}) ${ex}-${line}`,
      ]);
    }
    case 'GB': {
      if (f.datatype.boolean()) {
        const [a, b] = [`7${pick(f, ['4', '5', '7', '8', '9'])}${digits(f, 2)}`, digits(f, 6)];
        return pick(f, [`0${a} ${b}`, `+44 ${a} ${b}`, `+44 (0)${a} ${b}`, `0${a}${b}`]);
      }
      const [area, local] = pick(f, [
        ['20', `${pick(f, ['7', '8'])}${digits(f, 3)} ${digits(f, 4)}`],
        ['161', `${sub(f, 3)} ${digits(f, 4)}`],
        ['131', `${sub(f, 3)} ${digits(f, 4)}`],
        ['113', `${sub(f, 3)} ${digits(f, 4)}`],
      ] as const);
      return pick(f, [`0${area} ${local}`, `+44 ${area} ${local}`, `(0${area}) ${local}`]);
    }
    case 'AU': {
      if (f.datatype.boolean()) {
        const n = `4${digits(f, 2)} ${digits(f, 3)} ${digits(f, 3)}`;
        return pick(f, [`0${n}`, `+61 ${n}`]);
      }
      const area = pick(f, ['2', '3', '7', '8']);
      const n = `${sub(f, 4)} ${digits(f, 4)}`;
      return pick(f, [`(0${area}) ${n}`, `0${area} ${n}`, `+61 ${area} ${n}`]);
    }
    case 'DE': {
      if (f.datatype.boolean()) {
        const prefix = pick(f, ['151', '152', '157', '160', '162', '170', '171', '172', '175', '176', '177', '178', '179']);
        const rest = prefix === '160' || prefix === '170' || prefix === '171' || prefix === '175' ? digits(f, 7) : digits(f, 8);
        return pick(f, [
          `0${prefix} ${rest}`,
          `0${prefix}/${rest}`,
          `0${prefix}-${rest}`,
          `+49 ${prefix} ${rest}`,
          `+49 (0)${prefix} ${rest}`,
        ]);
      }
      const [area, n] = pick(f, [
        ['30', sub(f, 8)],
        ['40', sub(f, 8)],
        ['89', sub(f, 7)],
        ['221', sub(f, 7)],
        ['69', sub(f, 8)],
        ['711', sub(f, 7)],
      ] as const);
      return pick(f, [`0${area} ${n}`, `0${area}/${n}`, `(0${area}) ${n}`, `+49 ${area} ${n}`, `+49 (0)${area} ${n}`, `0049 ${area} ${n}`]);
    }
    case 'FR': {
      const first = pick(f, ['1', '2', '3', '4', '5', '6', '7', '9']);
      const pairs = Array.from({ length: 4 }, () => digits(f, 2));
      return pick(f, [
        `0${first} ${pairs.join(' ')}`,
        `0${first}.${pairs.join('.')}`,
        `0${first}${pairs.join('')}`,
        `+33 ${first} ${pairs.join(' ')}`,
        `+33 (0)${first} ${pairs.join(' ')}`,
        `0033 ${first} ${pairs.join(' ')}`,
      ]);
    }
    case 'ES': {
      if (f.datatype.boolean()) {
        const n = `${pick(f, ['6', '7'])}${digits(f, 2)}`;
        const [a, b, c] = [digits(f, 2), digits(f, 2), digits(f, 2)];
        return pick(f, [`${n} ${a} ${b} ${c}`, `${n} ${a}${b[0]} ${b[1]}${c}`, `+34 ${n} ${a} ${b} ${c}`, `${n}${a}${b}${c}`]);
      }
      const area = pick(f, ['91', '93', '95', '96']);
      const [a, b, c] = [sub(f, 3), digits(f, 2), digits(f, 2)];
      return pick(f, [`${area} ${a} ${b} ${c}`, `+34 ${area} ${a} ${b} ${c}`, `${area}${a[0]} ${a.slice(1)}${b[0]} ${b[1]}${c}`]);
    }
    case 'IT': {
      if (f.datatype.boolean()) {
        const p = pick(f, ['320', '328', '333', '338', '340', '347', '349', '366', '380', '392']);
        const [a, b] = [digits(f, 3), digits(f, 4)];
        return pick(f, [`${p} ${a} ${b}`, `${p} ${a}${b}`, `+39 ${p} ${a} ${b}`, `${p}/${a}${b}`]);
      }
      const area = pick(f, ['02', '06', '011', '055', '081']);
      const n = area.length === 2 ? `${sub(f, 4)} ${digits(f, 4)}` : `${sub(f, 3)} ${digits(f, 4)}`;
      return pick(f, [`${area} ${n}`, `+39 ${area} ${n}`, `${area}/${n.replace(' ', '')}`]);
    }
    case 'NL': {
      if (f.datatype.boolean()) {
        const n = digits(f, 8);
        return pick(f, [
          `06 ${n}`,
          `06-${n}`,
          `06 ${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6)}`,
          `+31 6 ${n}`,
          `+31 (0)6 ${n}`,
        ]);
      }
      const [area, n] = pick(f, [
        ['20', `${sub(f, 3)} ${digits(f, 4)}`],
        ['10', `${sub(f, 3)} ${digits(f, 4)}`],
        ['30', `${sub(f, 3)} ${digits(f, 4)}`],
        ['70', `${sub(f, 3)} ${digits(f, 4)}`],
      ] as const);
      return pick(f, [`0${area} ${n}`, `0${area}-${n.replace(' ', '')}`, `+31 ${area} ${n}`, `+31 (0)${area} ${n}`]);
    }
    case 'BR': {
      const ddd = pick(f, ['11', '21', '31', '41', '51', '61', '71', '81', '85', '19']);
      const n = f.datatype.boolean() ? `9${digits(f, 4)}-${digits(f, 4)}` : `${pick(f, ['2', '3', '4'])}${digits(f, 3)}-${digits(f, 4)}`;
      return pick(f, [`(${ddd}) ${n}`, `${ddd} ${n}`, `+55 ${ddd} ${n}`, `+55 (${ddd}) ${n}`, `(0${ddd}) ${n}`]);
    }
    case 'JP': {
      if (f.datatype.boolean()) {
        const p = pick(f, ['90', '80', '70']);
        const [a, b] = [digits(f, 4), digits(f, 4)];
        return pick(f, [`0${p}-${a}-${b}`, `0${p} ${a} ${b}`, `+81 ${p}-${a}-${b}`, `0${p}${a}${b}`]);
      }
      const [area, a] = pick(f, [
        ['3', sub(f, 4)],
        ['6', sub(f, 4)],
        ['45', sub(f, 3)],
        ['52', sub(f, 3)],
        ['92', sub(f, 3)],
      ] as const);
      const b = digits(f, 4);
      return pick(f, [`0${area}-${a}-${b}`, `0${area}(${a})${b}`, `+81 ${area}-${a}-${b}`, `+81-${area}-${a}-${b}`]);
    }
    case 'IN': {
      if (f.datatype.boolean()) {
        const n = `${pick(f, ['6', '7', '8', '9'])}${digits(f, 4)}`;
        const m = digits(f, 5);
        return pick(f, [`${n} ${m}`, `+91 ${n} ${m}`, `+91-${n}${m}`, `0${n} ${m}`, `${n}${m}`, `+91 ${n}${m}`]);
      }
      const [area, n] = pick(f, [
        ['11', sub(f, 8)],
        ['22', sub(f, 8)],
        ['80', sub(f, 8)],
        ['44', sub(f, 8)],
        ['40', sub(f, 8)],
      ] as const);
      return pick(f, [`0${area} ${n.slice(0, 4)} ${n.slice(4)}`, `0${area}-${n}`, `+91 ${area} ${n.slice(0, 4)} ${n.slice(4)}`]);
    }
    case 'PL': {
      if (f.datatype.boolean()) {
        const n = `${pick(f, ['5', '6', '7', '8'])}${digits(f, 2)}`;
        const [a, b] = [digits(f, 3), digits(f, 3)];
        return pick(f, [`${n} ${a} ${b}`, `${n}-${a}-${b}`, `+48 ${n} ${a} ${b}`, `${n}${a}${b}`]);
      }
      const area = pick(f, ['12', '22', '42', '58', '61', '71']);
      const [a, b, c] = [sub(f, 3), digits(f, 2), digits(f, 2)];
      return pick(f, [`${area} ${a} ${b} ${c}`, `+48 ${area} ${a} ${b} ${c}`, `(${area}) ${a}-${b}-${c}`]);
    }
    case 'TR': {
      if (f.datatype.boolean()) {
        const p = pick(f, ['530', '532', '533', '535', '505', '542', '544', '555']);
        const [a, b, c] = [digits(f, 3), digits(f, 2), digits(f, 2)];
        return pick(f, [`0${p} ${a} ${b} ${c}`, `0 (${p}) ${a} ${b} ${c}`, `+90 ${p} ${a} ${b} ${c}`, `0${p}${a}${b}${c}`]);
      }
      const area = pick(f, ['212', '216', '312', '232']);
      const [a, b, c] = [sub(f, 3), digits(f, 2), digits(f, 2)];
      return pick(f, [`(0${area}) ${a} ${b} ${c}`, `0${area} ${a} ${b} ${c}`, `+90 ${area} ${a} ${b} ${c}`]);
    }
    case 'SA': {
      const p = pick(f, ['50', '53', '54', '55', '56', '59']);
      const [a, b] = [digits(f, 3), digits(f, 4)];
      return pick(f, [`0${p} ${a} ${b}`, `+966 ${p} ${a} ${b}`, `00966 ${p} ${a} ${b}`, `0${p}${a}${b}`]);
    }
    case 'EG': {
      const p = pick(f, ['10', '11', '12', '15']);
      const [a, b] = [digits(f, 4), digits(f, 4)];
      return pick(f, [`0${p} ${a} ${b}`, `+20 ${p} ${a} ${b}`, `0${p}${a}${b}`]);
    }
    case 'AE': {
      const p = pick(f, ['50', '52', '54', '55', '56', '58']);
      const [a, b] = [digits(f, 3), digits(f, 4)];
      return pick(f, [`0${p} ${a} ${b}`, `+971 ${p} ${a} ${b}`, `+971-${p}-${a}${b}`]);
    }
  }
}
