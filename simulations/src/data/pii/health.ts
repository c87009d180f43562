/**
 * `synthetic-health`: hospital discharges with a 30-day readmission label. Readmission is logistic
 * in the standardised clinical values (prior admissions, length of stay, medication count, HbA1c,
 * blood pressure, BMI) plus effects of admission type, discharge disposition and diagnosis. With
 * `groupBias`, group B's rule gains a negative offset (fewer recorded readmissions) and loses the
 * effect of prior admissions (reversed at 2); groups A and C share the base rule.
 */
import { PII_COLUMNS } from './pii-columns';
import { clamp, pickCategory, type PiiDatasetSpec } from './spec';

const ADMISSION = { emergency: 0.5, urgent: 0.25, elective: 0.25 };
const DISPOSITION = { home: 0.6, home_health: 0.2, skilled_nursing: 0.12, rehab: 0.08 };
const DIAGNOSIS = { cardiac: 0.25, respiratory: 0.2, diabetes: 0.2, orthopedic: 0.15, other: 0.2 };

export const healthSpec: PiiDatasetSpec = {
  schema: {
    version: 1,
    name: 'synthetic-health',
    description: 'Synthetic hospital discharges (fake patients) with a 30-day readmission label.',
    columns: [
      ...PII_COLUMNS,
      { name: 'group', type: 'category', role: 'sensitive', categories: ['A', 'B', 'C'], description: 'A neutral protected-group label.' },
      { name: 'bmi', type: 'number', role: 'feature', description: 'Body-mass index, kg/m².' },
      { name: 'systolic_bp', type: 'integer', role: 'feature', description: 'mmHg.' },
      { name: 'hba1c', type: 'number', role: 'feature', description: 'Glycated haemoglobin, %.' },
      { name: 'prior_admissions', type: 'integer', role: 'feature', required: true, description: 'In the past year.' },
      { name: 'length_of_stay', type: 'integer', role: 'feature', required: true, description: 'Days.' },
      { name: 'num_medications', type: 'integer', role: 'feature', required: true },
      { name: 'admission_type', type: 'category', role: 'feature', categories: Object.keys(ADMISSION) },
      { name: 'discharge_disposition', type: 'category', role: 'feature', categories: Object.keys(DISPOSITION) },
      { name: 'primary_diagnosis', type: 'category', role: 'feature', categories: Object.keys(DIAGNOSIS) },
      { name: 'readmitted', type: 'category', role: 'label', classes: ['no', 'yes'], description: 'Readmitted within 30 days.' },
    ],
  },
  ages: { mean: 62, sd: 15, min: 18, max: 99 },
  group: { column: 'group', names: ['A', 'B', 'C'], weights: [0.5, 0.3, 0.2] },
  label: { column: 'readmitted', classes: ['no', 'yes'] },

  draw(rng, person) {
    const older = (person.age - 62) / 15;
    return {
      numbers: {
        bmi: Math.round(clamp(29 + 6 * rng.normal(), 15, 60) * 10) / 10,
        systolic_bp: Math.round(clamp(130 + 5 * older + 17 * rng.normal(), 80, 220)),
        hba1c: Math.round(clamp(6.2 + 1.1 * rng.normal(), 4, 14) * 10) / 10,
        prior_admissions: Math.min(12, Math.floor(-1.3 * Math.log(1 - rng.next()) + 0.3 * Math.max(0, older))),
        length_of_stay: Math.max(1, Math.round(Math.exp(Math.log(4) + 0.6 * rng.normal()))),
        num_medications: Math.max(0, Math.round(9 + 2 * older + 4 * rng.normal())),
      },
      categories: {
        admission_type: pickCategory(rng, ADMISSION),
        discharge_disposition: pickCategory(rng, DISPOSITION),
        primary_diagnosis: pickCategory(rng, DIAGNOSIS),
      },
    };
  },

  rule: {
    intercept: -1.6,
    weights: {
      prior_admissions: 2.0,
      length_of_stay: 1.2,
      num_medications: 0.9,
      hba1c: 0.8,
      systolic_bp: 0.5,
      bmi: 0.3,
    },
    effects: {
      admission_type: { emergency: 0.7, elective: -0.7 },
      discharge_disposition: { skilled_nursing: 0.9, home_health: 0.4, rehab: 0.3 },
      primary_diagnosis: { cardiac: 0.5, respiratory: 0.4, diabetes: 0.2, orthopedic: -0.4 },
    },
    bias: { group: 'B', offset: -1.2, weights: { prior_admissions: -2.0 } },
  },

  format: {
    bmi: (v) => v.toFixed(1),
    systolic_bp: String,
    hba1c: (v) => v.toFixed(1),
    prior_admissions: String,
    length_of_stay: String,
    num_medications: String,
  },
  missable: ['bmi', 'systolic_bp', 'hba1c'],

  note(rng, p, features) {
    const admission = features.categories.admission_type ?? 'emergency';
    const templates = [
      () => `Pt ${p.fullName}, DOB ${p.dateOfBirth}, admitted via ${admission}. Contact ${p.phone}.`,
      () => `Discussed discharge plan with ${p.fullName}; family asked for updates at ${p.email}, "prefers mornings".`,
      () => `${p.firstName} ${p.lastName} missed follow-up; called ${p.phone}, then emailed ${p.email}.`,
      () => `Insurance query: member ${p.fullName}, SSN ${p.nationalId}, address ${p.streetAddress}, ${p.zipCode}.`,
    ];
    return (templates[rng.int(templates.length)] as () => string)();
  },
};
