/**
 * The multilingual detectors on hand-written cases, locale by locale: telephone numbers in national
 * and international forms, dates with written months and two-digit years, street addresses,
 * national ids in any case and with context, and person names by title, context and shape — and
 * the look-alikes each must leave alone.
 */
import { describe, expect, it } from 'vitest';
import { detectEntities, type EntityType, parseDate, parseMaskingPolicy } from '@cohort/privacy/masking';

/** `TYPE:text` of every detection of `types` in `text`. */
function found(text: string, types?: readonly EntityType[], phoneRegions?: readonly string[]): string[] {
  return detectEntities(text, {
    ...(types !== undefined ? { entities: types } : {}),
    ...(phoneRegions !== undefined ? { phoneRegions } : {}),
  }).map((e) => `${e.type}:${text.slice(e.start, e.end)}`);
}
const only =
  (type: EntityType) =>
  (text: string): string[] =>
    found(text, [type]).map((s) => s.slice(type.length + 1));

describe('telephone numbers through libphonenumber metadata', () => {
  const phones = only('PHONE');
  it.each([
    ['FR', 'Rappelez au 06 12 34 56 78 ou au +33 6 12 34 56 78.', ['06 12 34 56 78', '+33 6 12 34 56 78']],
    ['DE', 'Mobil 0151 12345678, alt 0151/1234567, Büro +49 (0)30 1234567.', ['0151 12345678', '0151/1234567', '+49 (0)30 1234567']],
    ['JP', '電話03-1234-5678、携帯090-1234-5678まで。', ['03-1234-5678', '090-1234-5678']],
    ['BR', 'Ligue para (11) 91234-5678 ou +55 21 2345-6789.', ['(11) 91234-5678', '+55 21 2345-6789']],
    ['AU', 'Call 0412 345 678 or (02) 9876 5432.', ['0412 345 678', '(02) 9876 5432']],
    ['NL', 'Bel 06-12345678 of 020 123 4567.', ['06-12345678', '020 123 4567']],
    ['ES', 'Llame al 612 34 56 78 o al +34 91 123 45 67.', ['612 34 56 78', '+34 91 123 45 67']],
    ['IN', 'फ़ोन 98765 43210 या +91 22 2345 6789।', ['98765 43210', '+91 22 2345 6789']],
    ['IT', 'Chiamare il 333 123 4567 o lo 06 1234 5678.', ['333 123 4567', '06 1234 5678']],
    ['PL', 'Tel. 512 345 678 lub +48 22 123 45 67.', ['512 345 678', '+48 22 123 45 67']],
    ['TR', 'Cep 0532 123 45 67, iş (0212) 123 45 67.', ['0532 123 45 67', '(0212) 123 45 67']],
    ['SA/EG', 'جوال 050 123 4567 أو +20 10 1234 5678.', ['050 123 4567', '+20 10 1234 5678']],
    ['US/UK', 'Call (415) 231-4567 or 020 7946 0958.', ['(415) 231-4567', '020 7946 0958']],
  ])('%s', (_, text, expected) => {
    expect(phones(text)).toEqual(expected);
  });

  it('leaves references, amounts, dates, addresses, versions and failed card numbers alone', () => {
    for (const text of [
      'ref. 612345678',
      'Kd.-Nr. 0151123456',
      '1 234 567 € paid',
      'on 12.03.2024',
      'host 192.168.1.10',
      'v4.1.12 and 4 x 250 mg',
      'card 2231-8146-1597-2891',
      'ZIP 94107-1234',
      'SSN 078-05-1120',
    ]) {
      expect(phones(text), text).toEqual([]);
    }
  });

  it('reads a bare run of digits as a phone only next to a phone word', () => {
    expect(phones('Tel. 612345678')).toEqual(['612345678']);
    expect(phones('order 612345678')).toEqual([]);
  });

  it('recognises national formats only of the regions a policy expects; international ones always', () => {
    expect(found('06 12 34 56 78 / +33 6 12 34 56 78', ['PHONE'], ['US'])).toEqual(['PHONE:+33 6 12 34 56 78']);
    expect(found('06 12 34 56 78', ['PHONE'], ['FR'])).toEqual(['PHONE:06 12 34 56 78']);
    expect(() => detectEntities('x', { phoneRegions: ['XX'] })).toThrow(/phoneRegions/);
    const policy = parseMaskingPolicy({ columns: { notes: { operator: 'scan', phoneRegions: ['DE', 'AT'] } } });
    expect(policy.columns.notes).toMatchObject({ operator: 'scan', phoneRegions: ['DE', 'AT'] });
    expect(() => parseMaskingPolicy({ columns: { notes: { operator: 'scan', phoneRegions: ['Germany'] } } })).toThrow(/phoneRegions/);
  });
});

describe('dates in the written forms of many locales', () => {
  const dates = only('DATE');
  it.each([
    [
      'en',
      'Seen March 2024, again 12-Mar-2024, 7/3/24 and 2024/03/12; born 3rd of March, 1990.',
      ['March 2024', '12-Mar-2024', '7/3/24', '2024/03/12', '3rd of March, 1990'],
    ],
    ['de', 'Termin am 12. März 2024, verschoben auf 12.03.24 oder Mai 2024.', ['12. März 2024', '12.03.24', 'Mai 2024']],
    ['fr', 'Né le 1er mars 1980, revu le 15/04/2024 et en décembre 2023.', ['1er mars 1980', '15/04/2024', 'décembre 2023']],
    ['es', 'Nacido el 12 de marzo de 2024; cita en marzo de 2025 y el 3 dic 2024.', ['12 de marzo de 2024', 'marzo de 2025', '3 dic 2024']],
    ['it', 'Nato il 12 marzo 2024, visita il 5/4/24.', ['12 marzo 2024', '5/4/24']],
    ['nl', 'Geboren op 12 mrt 2024, afspraak 14-2-1981 en in oktober 2025.', ['12 mrt 2024', '14-2-1981', 'oktober 2025']],
    ['pt', 'Nascido em 12 de março de 2024, consulta em 03/05/2025.', ['12 de março de 2024', '03/05/2025']],
    ['pl', 'Urodzony 12 marca 2024 r., wizyta marzec 2025.', ['12 marca 2024', 'marzec 2025']],
    ['tr', 'Doğum tarihi 12 Mart 2024, randevu Ekim 1999.', ['12 Mart 2024', 'Ekim 1999']],
    ['ja', '2024年3月12日生まれ、2025年4月に予約、2024/03/12に来院。', ['2024年3月12日', '2025年4月', '2024/03/12']],
    ['hi', 'जन्म तिथि 12 मार्च 2024, अपॉइंटमेंट 05-06-2025।', ['12 मार्च 2024', '05-06-2025']],
    ['ar', 'تاريخ الميلاد 12 مارس 2024، والموعد 4 كانون الأول 1987 أو ٠٨/٠٣/٢٠٢٢.', ['12 مارس 2024', '4 كانون الأول 1987', '٠٨/٠٣/٢٠٢٢']],
  ])('%s', (_, text, expected) => {
    expect(dates(text)).toEqual(expected);
  });

  it('leaves versions, modal verbs, quantities and impossible dates alone', () => {
    for (const text of ['version 3.12.25', 'May I ask?', 'sold out 2024 units', '31/31/2024', '2023-02-29', 'in 2024', 'at 12:30']) {
      expect(dates(text), text).toEqual([]);
    }
  });

  it('parses the new forms for generalise, two-digit years as POSIX %y', () => {
    expect(parseDate('7/3/24')).toEqual({ year: 2024, month: 7, day: 3 });
    expect(parseDate('7/3/24', { dayFirst: true })).toEqual({ year: 2024, month: 3, day: 7 });
    expect(parseDate('1.2.69', { dayFirst: true })).toEqual({ year: 1969, month: 2, day: 1 });
    expect(parseDate('12. März 2024')).toEqual({ year: 2024, month: 3, day: 12 });
    expect(parseDate('2024年3月12日')).toEqual({ year: 2024, month: 3, day: 12 });
    expect(parseDate('marzo de 2024')).toEqual({ year: 2024, month: 3, day: 1 });
  });
});

describe('national ids: NINO in any case, SSN without separators after a context word', () => {
  it('finds UK National Insurance numbers in any case', () => {
    expect(found('NI number ab 12 34 56 c, also AB123456C and ab123456c.', ['UK_NINO'])).toEqual([
      'UK_NINO:ab 12 34 56 c',
      'UK_NINO:AB123456C',
      'UK_NINO:ab123456c',
    ]);
    expect(found('gb 12 34 56 a, qq123456c', ['UK_NINO'])).toEqual([]);
  });

  it('finds nine-digit SSNs only after a context word, and scores context higher', () => {
    expect(found('SSN 123456789 on file', ['US_SSN'])).toEqual(['US_SSN:123456789']);
    expect(found('social security number: 123 45 6789', ['US_SSN'])).toEqual(['US_SSN:123 45 6789']);
    expect(found('order 123456789', ['US_SSN'])).toEqual([]);
    expect(found('SSN 666456789', ['US_SSN'])).toEqual([]);
    const [withContext] = detectEntities('SSN: 123-45-6789', { entities: ['US_SSN'] });
    const [without] = detectEntities('ref 123-45-6789', { entities: ['US_SSN'] });
    expect(withContext?.score).toBeGreaterThan(without?.score ?? 1);
  });
});

describe('street addresses', () => {
  const addresses = only('STREET_ADDRESS');
  it.each([
    ['en', 'Ship to 23996 Union Avenue Apt. 165, Springfield, IL 62704 today.', ['23996 Union Avenue Apt. 165, Springfield, IL 62704']],
    ['en-GB', 'Lives at 12 Station Road, London SW1A 1AA now.', ['12 Station Road, London SW1A 1AA']],
    ['de', 'Patient, wohnhaft Reinickendorfer Str. 592, 10115 Berlin, seit Mai.', ['Reinickendorfer Str. 592, 10115 Berlin']],
    ['de compound', 'Neue Anschrift: Lindenweg 5a. Oder Am Werth 19b.', ['Lindenweg 5a', 'Am Werth 19b']],
    ['fr', 'Il demeure au 34 bis rue de la Paix, 75002 Paris, depuis 2020.', ['34 bis rue de la Paix, 75002 Paris']],
    ['es', 'Reside en Calle Mayor, 12, 2º B, 28013 Madrid.', ['Calle Mayor, 12, 2º B, 28013 Madrid']],
    ['it', 'Residente in Via Roma 7, 00184 Roma.', ['Via Roma 7, 00184 Roma']],
    ['nl', 'Woont op Kuijpersweg 741 II, 8522 TK Puth.', ['Kuijpersweg 741 II, 8522 TK Puth']],
    ['pt', 'Mora na Rua Melo, 605 - apto 12, São Paulo - SP, 01310-100.', ['Rua Melo, 605 - apto 12, São Paulo - SP, 01310-100']],
    ['pl', 'Zam. ul. Pieczek 42b m. 12, 04-377 Legionowo.', ['ul. Pieczek 42b m. 12, 04-377 Legionowo']],
    ['tr', 'Adres: Okul Sokak No: 87, 34710 Kadıköy.', ['Okul Sokak No: 87, 34710 Kadıköy']],
    ['ja', '住所：〒154-8503 東京都世田谷区3丁目4番5号。', ['〒154-8503 東京都世田谷区3丁目4番5号']],
    ['in', 'Address: 28, MG Road, Bengaluru - 560001.', ['28, MG Road, Bengaluru - 560001']],
    ['ar', 'العنوان: شارع الملك، مبنى 31، الرياض 12345.', ['شارع الملك، مبنى 31، الرياض 12345']],
  ])('%s', (_, text, expected) => {
    expect(addresses(text)).toEqual(expected);
  });

  it('needs a house number: street names, wards, rooms and quantities are not addresses', () => {
    for (const text of ['Meet on Union Avenue.', 'Station 4B, Ward 7B', 'bloque de 3 x 5 mg', 'in der Station 4B wurde', 'Im Jahr 2019']) {
      expect(addresses(text), text).toEqual([]);
    }
  });
});

describe('person names by title, context, shape and lists', () => {
  const persons = only('PERSON');
  it.each([
    ['en', 'Dear Aaliyah Corkery, Dr. Okonkwo-Adeyemi will call.', ['Aaliyah Corkery', 'Okonkwo-Adeyemi']],
    ['de', 'Bitte Herrn Maurice Mai zurückrufen; Frau Dr. Huneke ist informiert.', ['Maurice Mai', 'Huneke']],
    ['fr', 'Merci de rappeler Mme Abdonie Carre ou M. Dupont.', ['Abdonie Carre', 'Dupont']],
    ['es', 'Llame a la Sra. María Teresa Domínguez Botello o a don Pelayo.', ['María Teresa Domínguez Botello', 'Pelayo']],
    ['it', 'Approvato da Dott.ssa Bianca Neri e dal Sig. Rossi.', ['Bianca Neri', 'Rossi']],
    ['nl', 'Goedgekeurd door Dhr. de Jonge en meneer Sef van de Meer.', ['de Jonge', 'Sef van de Meer']],
    ['pt', 'Encaminhado por Dona Ana Júlia Pereira e Dr. Costa.', ['Ana Júlia Pereira', 'Costa']],
    ['pl', 'Zatwierdziła Pani Wanda Lewicka, dzwonił dr Kowalski.', ['Wanda Lewicka', 'Kowalski']],
    ['tr', 'Ahmet Bey aradı; Ayşe Yılmazoğlu ile görüşüldü.', ['Ahmet', 'Ayşe Yılmazoğlu']],
    ['ja', '佐藤様より電話。担当の青木 萌が対応、八木太一が確認。', ['佐藤', '青木 萌', '八木太一']],
    ['ar', 'اتصل السيد محمد العلي بخصوص الفاتورة، والمريضة فاطمة الزهراء، تاريخ الميلاد.', ['محمد العلي', 'فاطمة الزهراء']],
    ['hi', 'मरीज़ Rahul Sharma का फ़ोन आया; Iyengar जी ने मंज़ूर किया।', ['Rahul Sharma', 'Iyengar']],
  ])('%s', (_, text, expected) => {
    expect(persons(text)).toEqual(expected);
  });

  it('leaves capitalised everyday words, firms and places alone', () => {
    for (const text of [
      'See Ward 7B for the Young Professionals group.',
      'Human Resources and Quality Assurance agreed.',
      'Grace period ends. May I ask?',
      'Invoice from Ortiz - Purdy and from Dietrich Group.',
      'Shipped to Port Niko via Hansen Valleys.',
      'Die Erstattung auf das Konto wurde freigegeben.',
      'Zahlung bei Innere Medizin.',
      '株式会社早川鉱業様からの請求書。',
    ]) {
      expect(persons(text), text).toEqual([]);
    }
  });
});
