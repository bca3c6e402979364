import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { balancedClassWeights, classWeightedRows, temperedClassWeights } from './class-weights.js';
import { fcnnRowWeights } from './fcnn/row-weights.js';
import { fcnnDefaults } from './fcnn/options.js';

/** 1,000 rows of class 0, 10 of class 1, 1 of class 2, none of class 3. */
function rareClasses(): Int32Array {
  return Int32Array.from([...Array<number>(1000).fill(0), ...Array<number>(10).fill(1), 2]);
}

describe('temperedClassWeights', () => {
  it('raises balanced weights to a power and caps them, leaving an absent class at 0', () => {
    const y = rareClasses();
    const balanced = balancedClassWeights(y, 4);
    const sqrt = temperedClassWeights(y, 4, { power: 0.5 });
    for (let c = 0; c < 3; c++) expect(sqrt[c]).toBeCloseTo(Math.sqrt(balanced[c]), 12);
    expect(sqrt[3]).toBe(0);
    const capped = temperedClassWeights(y, 4, { power: 1, max: 10 });
    expect([...capped]).toEqual([balanced[0], 10, 10, 0]);
    expect([...temperedClassWeights(y, 4, {})]).toEqual([...balanced]);
    expect([...temperedClassWeights(y, 4, { power: 0 })]).toEqual([1, 1, 1, 0]);
  });

  it('refuses a weight that overflows a 32-bit loss weight, naming the class', () => {
    // Class 2's balanced weight is 1011 / 4 ≈ 253; to the power 20 it is ≈ 1e48.
    expect(() => temperedClassWeights(rareClasses(), 4, { power: 20 })).toThrow(
      /class weight of class 2 overflows/,
    );
    expect(() => temperedClassWeights(rareClasses(), 4, { power: 20 })).toThrow(IotIdsError);
    // A cap keeps the same power finite.
    expect(temperedClassWeights(rareClasses(), 4, { power: 20, max: 100 })[2]).toBe(100);
  });

  it('refuses a negative power or a cap ≤ 0', () => {
    expect(() => temperedClassWeights(rareClasses(), 4, { power: -1 })).toThrow(/power/);
    expect(() => temperedClassWeights(rareClasses(), 4, { max: 0 })).toThrow(/cap/);
  });
});

describe('fcnnRowWeights', () => {
  const y = rareClasses();
  it('is unchanged balanced weighting without tempering, and tempered with it', () => {
    const plain = fcnnRowWeights({ ...fcnnDefaults, classWeight: 'balanced' }, y, 4);
    expect(plain?.[1010]).toBeCloseTo(1011 / 4, 3);
    const tempered = fcnnRowWeights({ ...fcnnDefaults, classWeight: 'balanced', classWeightMax: 5 }, y, 4);
    expect(tempered?.[1010]).toBe(5);
    expect(fcnnRowWeights(fcnnDefaults, y, 4)).toBeNull();
  });

  it('refuses tempering without balanced weights rather than ignoring it', () => {
    expect(() => fcnnRowWeights({ ...fcnnDefaults, classWeightPower: 0.5 }, y, 4)).toThrow(
      /need classWeight "balanced"/,
    );
  });
});

describe('classWeightedRows', () => {
  const y = rareClasses();
  it('gives no weights, exact balanced weights, or tempered ones, as the options say', () => {
    expect(classWeightedRows('bigru', { classWeight: null }, y, 4)).toBeNull();
    const plain = classWeightedRows('bigru', { classWeight: 'balanced' }, y, 4);
    expect(plain?.[0]).toBeCloseTo(1011 / 4000, 6);
    expect(plain?.[1010]).toBeCloseTo(1011 / 4, 3);
    const tempered = classWeightedRows(
      'bigru',
      { classWeight: 'balanced', classWeightPower: 0.5, classWeightMax: 10 },
      y,
      4,
    );
    expect(tempered?.[0]).toBeCloseTo(Math.sqrt(1011 / 4000), 6);
    expect(tempered?.[1000]).toBeCloseTo(Math.sqrt(1011 / 40), 5); // ≈ 5.03, under the cap
    expect(tempered?.[1010]).toBe(10); // √252.75 ≈ 15.9, capped
  });

  it('refuses tempering without balanced weights, naming the model', () => {
    expect(() => classWeightedRows('vae-bigru', { classWeight: null, classWeightMax: 5 }, y, 4)).toThrow(
      /vae-bigru: classWeightPower and classWeightMax need classWeight "balanced"/,
    );
  });
});
