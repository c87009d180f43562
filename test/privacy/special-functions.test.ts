import { describe, expect, it } from 'vitest';
import { erfc, logErfc, logNormalCdf, normalCdf } from '@cohort/privacy/accounting/analysis';
import { relativeError } from './reference-data';

// Known answers computed independently with mpmath at 40 significant digits.
const ERFC: [number, number][] = [
  [-3, 1.9999779095030014146],
  [-0.5, 1.5204998778130465377],
  [0.1, 0.8875370839817151078],
  [0.46875, 0.50738652678206200841],
  [0.5, 0.47950012218695346232],
  [1, 0.15729920705028513066],
  [2.5, 0.00040695201744495893956],
  [4, 1.5417257900280018852e-8],
  [4.5, 1.9661604415428874763e-10],
  [10, 2.088487583762544757e-45],
  [26, 5.6631924088561428465e-296],
];
const LOG_ERFC: [number, number][] = [
  [0.7, -1.13258651351434132937],
  [5, -27.20088954553743442244],
  [30, -903.9741171106438780796],
  [100, -10005.17758512266433257],
  [1000, -1000007.480120721906212],
  [100000, -10000000012.08529040794],
];
const LOG_NORMAL_CDF: [number, number][] = [
  [-40, -804.6084420137537881666],
  [-8, -35.0134371599145498955],
  [-1, -1.841021645009263505771],
  [0, -0.6931471805599453094172],
  [3, -0.001350809964748193798841],
];

describe('special functions (Cody 1969 erfc)', () => {
  it('erfc is accurate to ~1e-15 relative on every interval, down to 1e-296', () => {
    for (const [x, expected] of ERFC) expect(relativeError(erfc(x), expected), `erfc(${x})`).toBeLessThan(4e-15);
  });

  it('logErfc stays accurate where erfc underflows', () => {
    for (const [x, expected] of LOG_ERFC) expect(relativeError(logErfc(x), expected), `logErfc(${x})`).toBeLessThan(1e-14);
    expect(erfc(30)).toBe(0);
  });

  it('log Φ is accurate in the far left tail and near 1', () => {
    for (const [x, expected] of LOG_NORMAL_CDF) {
      expect(relativeError(logNormalCdf(x), expected), `logNormalCdf(${x})`).toBeLessThan(1e-14);
    }
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1) + normalCdf(1)).toBeCloseTo(1, 15);
  });
});
