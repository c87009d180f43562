/**
 * One synthetic person's identifying and quasi-identifying fields, drawn with a seeded faker
 * instance (names, streets, zip codes, email providers) and the simulation's seeded Rng (ages,
 * phone and national-id digits). None of it belongs to a real person except by chance.
 */
import type { Faker } from '@faker-js/faker';
import type { Rng } from '../../rng';

/** The date ages and dates of birth are measured from, so the data do not depend on today's date. */
export const PII_REFERENCE_DATE = '2025-01-01';
const REFERENCE_MS = Date.UTC(2025, 0, 1);
const DAY_MS = 24 * 3600 * 1000;

export const GENDERS = ['female', 'male', 'nonbinary'] as const;

export interface Person {
  firstName: string;
  lastName: string;
  fullName: string;
  email: string;
  /** North American format `(NPA) NXX-XXXX`. */
  phone: string;
  streetAddress: string;
  /** `YYYY-MM-DD`, consistent with `age` at {@link PII_REFERENCE_DATE}. */
  dateOfBirth: string;
  /** US SSN format `AAA-GG-SSSS`, in the valid ranges (see {@link ssn}). */
  nationalId: string;
  zipCode: string;
  /** Whole years at {@link PII_REFERENCE_DATE}. */
  age: number;
  gender: (typeof GENDERS)[number];
}

export interface AgeDistribution {
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function makePerson(faker: Faker, rng: Rng, ages: AgeDistribution): Person {
  const u = rng.next();
  const gender = u < 0.49 ? 'female' : u < 0.98 ? 'male' : 'nonbinary';
  const sex = gender === 'nonbinary' ? (rng.next() < 0.5 ? 'female' : 'male') : gender;
  const firstName = faker.person.firstName(sex);
  const lastName = faker.person.lastName();
  const age = Math.min(ages.max, Math.max(ages.min, Math.round(ages.mean + ages.sd * rng.normal())));
  // Born between age + 1 years and age years before the reference date (exclusive of the birthday).
  const born = REFERENCE_MS - Math.round((age + (1 + rng.int(364)) / 366) * 365.2425) * DAY_MS;
  return {
    firstName,
    lastName,
    fullName: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName }),
    phone: phone(rng),
    streetAddress: faker.location.streetAddress(),
    dateOfBirth: new Date(born).toISOString().slice(0, 10),
    nationalId: ssn(rng),
    zipCode: faker.location.zipCode('#####'),
    age,
    gender,
  };
}

/**
 * A US Social Security number `AAA-GG-SSSS` in the ranges ever issued: area 001–899 except 666,
 * group 01–99, serial 0001–9999.
 */
export function ssn(rng: Rng): string {
  let area = 1 + rng.int(899);
  while (area === 666) area = 1 + rng.int(899);
  const group = 1 + rng.int(99);
  const serial = 1 + rng.int(9999);
  return `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`;
}

/** NANP: area code and exchange start with 2–9; the exchange's last two digits are not both 1. */
function phone(rng: Rng): string {
  const area = 200 + rng.int(800);
  let exchange = 200 + rng.int(800);
  while (exchange % 100 === 11) exchange = 200 + rng.int(800);
  return `(${area}) ${exchange}-${pad(rng.int(10_000), 4)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
