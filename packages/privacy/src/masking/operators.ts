/**
 * One masking operator applied to one cell. `createCellMasker` binds a column's rule to the
 * session state it needs (device key, token vault, detector options) and returns a function from a
 * cell's text to its masked text plus what happened, for the report. The raw value never leaves
 * this function except as its masked form.
 *
 * Missing cells never reach these functions (`maskRecords` outputs them as empty strings): the
 * absence of a value is not itself masked.
 */
import { scanText, type DetectOptions } from './detect';
import type { ExtraNames } from './detect-names';
import type { EntityType } from './entities';
import { generalise, UNPARSEABLE } from './generalise';
import { pseudonymise, type TokenVault } from './keyed';
import type { ColumnRule, RuleOf } from './policy';

/** The masked text of one cell and what the operator found. */
export interface MaskedCell {
  value: string;
  /** The value could not be read (generalise) and was replaced by `*`. */
  unparseable?: boolean;
  /** Entities replaced by `scan`, by type. */
  entities?: readonly EntityType[];
}

export interface CellMaskerContext {
  secretKey: Uint8Array;
  vault: TokenVault;
  extraNames: ExtraNames | undefined;
}

const SEPARATORS = /[\s\-./()]/;

/** `value` with every character but the last `keepLast` replaced by `char` (separators kept if asked). */
export function maskCharacters(value: string, rule: Pick<RuleOf<'mask'>, 'keepLast' | 'char' | 'keepSeparators'>): string {
  const chars = Array.from(value); // code points, so a masked emoji is one mask character
  let kept = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const ch = chars[i] as string;
    if (rule.keepSeparators && SEPARATORS.test(ch)) continue;
    if (kept < rule.keepLast) kept++;
    else chars[i] = rule.char;
  }
  return chars.join('');
}

/** The function that masks one cell of a column under `rule` (`drop` never reaches it). */
export function createCellMasker(rule: ColumnRule, context: CellMaskerContext): (value: string) => MaskedCell {
  switch (rule.operator) {
    case 'drop':
      return () => ({ value: '' });
    case 'keep':
      return (value) => ({ value });
    case 'redact':
      return () => ({ value: rule.replacement });
    case 'replace':
      return () => ({ value: rule.tag });
    case 'mask':
      return (value) => ({ value: maskCharacters(value, rule) });
    case 'pseudonymise':
      return (value) => ({ value: pseudonymise(value, context.secretKey, rule) });
    case 'tokenise':
      return (value) => ({ value: context.vault.token(value, rule.prefix) });
    case 'generalise':
      return (value) => {
        const general = generalise(value, rule);
        return general === null ? { value: UNPARSEABLE, unparseable: true } : { value: general };
      };
    case 'scan': {
      const options: DetectOptions = {
        minScore: rule.minScore,
        ...(rule.entities !== undefined ? { entities: rule.entities } : {}),
        ...(context.extraNames !== undefined ? { extraNames: context.extraNames } : {}),
        ...(rule.phoneRegions !== undefined ? { phoneRegions: rule.phoneRegions } : {}),
      };
      return (value) => {
        const scanned = scanText(value, options);
        return { value: scanned.text, entities: scanned.entities.map((e) => e.type) };
      };
    }
  }
}
