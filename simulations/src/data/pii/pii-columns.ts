/** The identifying and quasi-identifying columns every synthetic PII dataset starts with. */
import type { ColumnSchema } from './spec';
import { GENDERS } from './person';

export const PII_COLUMNS: ColumnSchema[] = [
  { name: 'full_name', type: 'string', role: 'pii', required: true, description: 'First and last name.' },
  { name: 'email', type: 'string', role: 'pii', description: 'Personal email address.' },
  { name: 'phone', type: 'string', role: 'pii', description: 'Phone number, (NPA) NXX-XXXX.' },
  { name: 'street_address', type: 'string', role: 'pii', description: 'Street and number.' },
  { name: 'date_of_birth', type: 'date', role: 'pii', description: 'YYYY-MM-DD.' },
  { name: 'national_id', type: 'string', role: 'pii', description: 'US Social Security number, AAA-GG-SSSS.' },
  {
    name: 'notes',
    type: 'text',
    role: 'pii',
    description: 'Free-text case notes; they repeat names, emails, phone numbers and SSNs.',
  },
  { name: 'zip_code', type: 'string', role: 'quasi-identifier', description: 'Five-digit US zip code.' },
  { name: 'age', type: 'integer', role: 'quasi-identifier', description: 'Whole years on 2025-01-01.' },
  { name: 'gender', type: 'category', role: 'quasi-identifier', categories: [...GENDERS] },
];
