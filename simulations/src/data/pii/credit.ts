/**
 * `synthetic-credit`: loan applications with a default label. Numeric features follow rough
 * real-world shapes (log-normal income and loan amounts, credit scores around 690); whether the
 * borrower defaults is logistic in their standardised values (low credit score, high debt-to-income
 * and large loans push towards default) plus category effects. With `groupBias`, group B's rule
 * gains an offset (more defaults) and loses the credit score's protective effect (reversed at 2).
 */
import { PII_COLUMNS } from './pii-columns';
import { clamp, dateYearsBefore, pickCategory, type PiiDatasetSpec } from './spec';

const EMPLOYMENT = { salaried: 0.55, self_employed: 0.15, contract: 0.12, unemployed: 0.08, retired: 0.1 };
const PURPOSE = {
  debt_consolidation: 0.35,
  home_improvement: 0.15,
  car: 0.15,
  education: 0.1,
  medical: 0.1,
  small_business: 0.15,
};
const HOME = { rent: 0.4, mortgage: 0.4, own: 0.2 };
const INCOME_SHIFT: Record<string, number> = { unemployed: -1.1, retired: -0.4, self_employed: 0.1, contract: -0.1 };

export const creditSpec: PiiDatasetSpec = {
  schema: {
    version: 1,
    name: 'synthetic-credit',
    description: 'Synthetic loan applications (fake people) with a loan-default label.',
    columns: [
      ...PII_COLUMNS,
      { name: 'group', type: 'category', role: 'sensitive', categories: ['A', 'B'], description: 'A neutral protected-group label.' },
      { name: 'income', type: 'number', role: 'feature', required: true, description: 'Annual income, USD.' },
      { name: 'loan_amount', type: 'number', role: 'feature', required: true, description: 'USD.' },
      { name: 'credit_score', type: 'integer', role: 'feature', required: true, description: '300–850.' },
      { name: 'debt_to_income', type: 'number', role: 'feature', description: 'Monthly debt over monthly income.' },
      { name: 'years_employed', type: 'integer', role: 'feature' },
      { name: 'num_credit_lines', type: 'integer', role: 'feature' },
      { name: 'account_open_date', type: 'date', role: 'feature', description: 'When the first account was opened.' },
      { name: 'employment_type', type: 'category', role: 'feature', categories: Object.keys(EMPLOYMENT) },
      { name: 'purpose', type: 'category', role: 'feature', categories: Object.keys(PURPOSE) },
      { name: 'home_ownership', type: 'category', role: 'feature', categories: Object.keys(HOME) },
      { name: 'default', type: 'category', role: 'label', classes: ['no', 'yes'], description: 'Defaulted within 24 months.' },
    ],
  },
  ages: { mean: 44, sd: 13, min: 18, max: 85 },
  group: { column: 'group', names: ['A', 'B'], weights: [0.7, 0.3] },
  label: { column: 'default', classes: ['no', 'yes'] },

  draw(rng, person) {
    const employment = pickCategory(rng, EMPLOYMENT);
    const income = Math.round(Math.exp(Math.log(52_000) + 0.5 * rng.normal() + (INCOME_SHIFT[employment] ?? 0)) / 100) * 100;
    const loan = Math.round(Math.exp(Math.log(12_000) + 0.6 * rng.normal() + 0.4 * Math.log(income / 52_000)) / 100) * 100;
    const working = employment !== 'unemployed' && employment !== 'retired';
    const adultYears = Math.max(0, person.age - 18);
    return {
      numbers: {
        income,
        loan_amount: Math.max(500, loan),
        credit_score: Math.round(clamp(690 + 70 * rng.normal(), 300, 850)),
        debt_to_income: Math.round(clamp(0.3 + 0.12 * rng.normal(), 0.01, 0.9) * 1000) / 1000,
        years_employed: working ? Math.min(adultYears, Math.floor(-6 * Math.log(1 - rng.next()))) : 0,
        num_credit_lines: Math.max(0, Math.round(5 + 3 * rng.normal())),
        // Years before the reference date, whole days.
        account_open_date: Math.round(rng.next() * Math.min(adultYears, 30) * 365) / 365,
      },
      categories: { employment_type: employment, purpose: pickCategory(rng, PURPOSE), home_ownership: pickCategory(rng, HOME) },
    };
  },

  rule: {
    intercept: -1.9,
    weights: {
      credit_score: -2.2,
      debt_to_income: 1.5,
      loan_amount: 1.0,
      income: -1.0,
      years_employed: -0.5,
      num_credit_lines: 0.3,
      account_open_date: -0.5,
    },
    effects: {
      employment_type: { unemployed: 1.4, contract: 0.5, retired: 0.2 },
      purpose: { small_business: 0.8, medical: 0.5, education: 0.3, car: -0.3 },
      home_ownership: { own: -0.5, mortgage: -0.2 },
    },
    bias: { group: 'B', offset: 1.2, weights: { credit_score: 2.2 } },
  },

  format: {
    income: String,
    loan_amount: String,
    credit_score: String,
    debt_to_income: (v) => v.toFixed(3),
    years_employed: String,
    num_credit_lines: String,
    account_open_date: dateYearsBefore,
  },
  missable: ['debt_to_income', 'years_employed', 'num_credit_lines'],

  note(rng, p, features) {
    const purpose = (features.categories.purpose ?? 'a loan').replaceAll('_', ' ');
    const templates = [
      () => `Called ${p.fullName} at ${p.phone}, follow up via ${p.email}.`,
      () => `${p.fullName} asked to move the payment date; confirm by email at ${p.email}, or call ${p.phone}.`,
      () => `Applicant ${p.fullName} says "income is seasonal, pays in summer", verify SSN ${p.nationalId}.`,
      () => `Left voicemail for ${p.firstName} on ${p.phone}; no answer, emailed ${p.email} instead.`,
      () => `Met ${p.fullName} in branch about ${purpose}; DOB ${p.dateOfBirth}, lives at ${p.streetAddress}.`,
    ];
    return (templates[rng.int(templates.length)] as () => string)();
  },
};
