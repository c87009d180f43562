/**
 * Decoys: text that looks like personal data and is not, so that a detection there is a false
 * positive. Capitalised common words and phrases (some of them also given names or surnames:
 * `Young Professionals`, `Ward 7B`, `Grace Period`), organisations (faker's company names, which
 * are built from surnames), places, products, amounts, order and reference codes, times,
 * quantities, version numbers and digit runs that are not phone numbers.
 */
import type { Faker } from '@faker-js/faker';
import type { CorpusLocale } from './locales';

/** Capitalised phrases of everyday language, written per locale. */
const CAPITALISED: Record<CorpusLocale, readonly string[]> = {
  en: [
    'Ward 7B',
    'Young Professionals',
    'Grace Period',
    'Summer School',
    'Quality Assurance',
    'Human Resources',
    'Accident and Emergency',
    'Bank Holiday',
    'Golden Age Club',
    'Hope Street Project',
    'Will Call',
    'General Practice',
    'Walk-In Centre',
    'North Wing',
    'Fresh Start',
    'Rose Garden',
    'Sunrise Care',
    'Customer Success',
  ],
  de: [
    'Station 4B',
    'Notaufnahme',
    'Innere Medizin',
    'Kundendienst',
    'Sommerfest',
    'Betriebsrat',
    'Personalabteilung',
    'Junge Erwachsene',
    'Haus Sonnenschein',
    'Frühschicht',
    'Hausarzt',
    'Kinderklinik',
    'Rechnungsstelle',
  ],
  fr: [
    'Service Client',
    'Urgences',
    'Ressources Humaines',
    'Maison de Santé',
    'Bâtiment B',
    'Salle Rose',
    'Jeunes Actifs',
    'Pôle Emploi',
    'Comité de Direction',
    'Accueil Général',
  ],
  es: [
    'Atención al Cliente',
    'Urgencias',
    'Recursos Humanos',
    'Planta 3',
    'Centro de Salud',
    'Jóvenes Profesionales',
    'Sala Rosa',
    'Dirección General',
    'Servicio Técnico',
  ],
  it: [
    'Pronto Soccorso',
    'Risorse Umane',
    'Servizio Clienti',
    'Reparto 5',
    'Casa della Salute',
    'Giovani Professionisti',
    'Sala Rosa',
    'Direzione Generale',
  ],
  nl: [
    'Klantenservice',
    'Spoedeisende Hulp',
    'Afdeling 3B',
    'Personeelszaken',
    'Jonge Professionals',
    'Huisartsenpost',
    'Zorg Thuis',
    'Raad van Bestuur',
  ],
  pt_BR: [
    'Atendimento ao Cliente',
    'Pronto Socorro',
    'Recursos Humanos',
    'Ala B',
    'Posto de Saúde',
    'Jovens Profissionais',
    'Sala Rosa',
    'Diretoria Geral',
  ],
  ja: ['総務部', '営業部', '救急外来', '3階東病棟', '人事課', 'お客様センター', '本社', '第二会議室'],
  hi: ['ग्राहक सेवा', 'आपातकालीन विभाग', 'Human Resources', 'वार्ड 7B', 'मुख्य शाखा', 'Customer Care'],
  pl: ['Obsługa Klienta', 'Izba Przyjęć', 'Dział Kadr', 'Oddział 4B', 'Przychodnia Rejonowa', 'Młodzi Profesjonaliści', 'Zarząd Główny'],
  tr: [
    'Müşteri Hizmetleri',
    'Acil Servis',
    'İnsan Kaynakları',
    'Servis 4B',
    'Aile Sağlığı Merkezi',
    'Genel Müdürlük',
    'Genç Profesyoneller',
  ],
  ar: ['خدمة العملاء', 'قسم الطوارئ', 'الموارد البشرية', 'الجناح ب', 'المركز الصحي', 'الإدارة العامة'],
};

const CURRENCY: Record<CorpusLocale, (amount: string) => string> = {
  en: (a) => `$${a}`,
  de: (a) => `${a.replace('.', ',')} €`,
  fr: (a) => `${a.replace('.', ',')} €`,
  es: (a) => `${a.replace('.', ',')} €`,
  it: (a) => `€ ${a.replace('.', ',')}`,
  nl: (a) => `€ ${a.replace('.', ',')}`,
  pt_BR: (a) => `R$ ${a.replace('.', ',')}`,
  ja: (a) => `${a.split('.')[0]}円`,
  hi: (a) => `₹${a}`,
  pl: (a) => `${a.replace('.', ',')} zł`,
  tr: (a) => `${a.replace('.', ',')} TL`,
  ar: (a) => `${a} ريال`,
};

/** The label a reference number carries. */
const REFERENCE: Record<CorpusLocale, string> = {
  en: 'ref.',
  de: 'Kd.-Nr.',
  fr: 'réf.',
  es: 'ref.',
  it: 'rif.',
  nl: 'klantnr.',
  pt_BR: 'protocolo',
  ja: '受付番号',
  hi: 'संदर्भ',
  pl: 'nr ref.',
  tr: 'ref. no',
  ar: 'رقم المرجع',
};

/** One decoy of `locale`: a phrase that holds no personal data. */
export function writeDecoy(f: Faker, locale: CorpusLocale): string {
  const amount = (): string => CURRENCY[locale](`${f.number.int({ min: 1, max: 9999 })}.${String(f.number.int(99)).padStart(2, '0')}`);
  const makers: (() => string)[] = [
    () => f.helpers.arrayElement(CAPITALISED[locale]),
    () => f.helpers.arrayElement(CAPITALISED[locale]),
    () => f.company.name(),
    () => f.location.city(),
    () => f.commerce.productName(),
    amount,
    amount,
    () => `#${f.number.int({ min: 1000, max: 999999 })}`,
    () => `${f.string.alpha({ length: 3, casing: 'upper' })}-${f.number.int({ min: 2015, max: 2026 })}-${f.string.numeric(5)}`,
    () => `${REFERENCE[locale]} ${f.string.numeric({ length: f.number.int({ min: 8, max: 12 }), allowLeadingZeros: false })}`,
    () => `${String(f.number.int(23)).padStart(2, '0')}:${String(f.number.int(59)).padStart(2, '0')}`,
    () => `${f.number.int({ min: 1, max: 4 })} x ${f.helpers.arrayElement([5, 10, 20, 50, 100, 250, 500])} mg`,
    () => `v${f.number.int(9)}.${f.number.int(20)}.${f.number.int(30)}`,
    () => `${f.number.int({ min: 1, max: 99 })}%`,
    () => `${f.number.int({ min: 1990, max: 2030 })}`,
    () => (locale === 'ja' ? f.commerce.department() : f.location.street()), // a ja "street" is a block number
    () => f.commerce.department(),
  ];
  return f.helpers.arrayElement(makers)();
}
