import { describe, expect, it } from 'vitest';
import { ATTACK_PHASES, GAP_S, labPlan, MAX_BENIGN_ONLY_MINUTES, WARM_UP_S } from './lab-plan.js';
import { parseBenignOnly } from './run.js';

describe('labPlan', () => {
  it('runs the attack phases after a lead of 15 s × scale unless --lead says otherwise', () => {
    const plan = labPlan({ scale: 0.2 });
    expect(plan.attacks).toBe(true);
    expect(plan.lead).toBeCloseTo(WARM_UP_S * 0.2, 12);
    expect(plan.coolDown).toBeCloseTo(1, 12);
    expect(labPlan({ scale: 1, lead: 720 }).lead).toBe(720);
    // The controller's subscription outlives every phase and gap (40 s a phase at most) and the cool-down.
    const full = labPlan({ scale: 1 });
    expect(full.maxSeconds).toBeGreaterThanOrEqual(
      full.lead + full.coolDown + ATTACK_PHASES * (GAP_S + 1 + 40),
    );
  });

  it('makes a benign-only run of exactly its minutes, with no attack, no cool-down and a bounded subscription', () => {
    const plan = labPlan({ scale: 1, benignOnlyMinutes: 35 });
    expect(plan).toEqual({ attacks: false, lead: 2100, coolDown: 0, maxSeconds: 2130 });
    expect(labPlan({ scale: 0.2, benignOnlyMinutes: 0.5 }).lead).toBe(30);
  });

  it('refuses a benign-only run that is empty or longer than the bound', () => {
    expect(() => labPlan({ scale: 1, benignOnlyMinutes: 0 })).toThrow(RangeError);
    expect(() => labPlan({ scale: 1, benignOnlyMinutes: MAX_BENIGN_ONLY_MINUTES + 1 })).toThrow(/minutes/);
    expect(() => labPlan({ scale: 1, benignOnlyMinutes: Number.NaN })).toThrow(/minutes/);
  });
});

describe('parseBenignOnly (lab/run.ts --benign-only --minutes M)', () => {
  it('is undefined for an ordinary run and the minutes for a benign-only one', () => {
    expect(parseBenignOnly(false, undefined, undefined)).toBeUndefined();
    expect(parseBenignOnly(false, undefined, 720)).toBeUndefined();
    expect(parseBenignOnly(true, '35', undefined)).toBe(35);
    expect(parseBenignOnly(true, '0.5', undefined)).toBe(0.5);
  });

  it('names what is wrong with a refused combination', () => {
    expect(parseBenignOnly(false, '35', undefined)).toMatch(/--minutes needs --benign-only/);
    expect(parseBenignOnly(true, undefined, undefined)).toMatch(/needs --minutes/);
    expect(parseBenignOnly(true, 'ten', undefined)).toMatch(/needs --minutes/);
    expect(parseBenignOnly(true, '0', undefined)).toMatch(/needs --minutes/);
    expect(parseBenignOnly(true, String(MAX_BENIGN_ONLY_MINUTES + 1), undefined)).toMatch(/needs --minutes/);
    expect(parseBenignOnly(true, '35', 720)).toMatch(/--lead has no meaning/);
  });
});
