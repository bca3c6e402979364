/**
 * How long each part of a lab run lasts, from its options: pure arithmetic, so the bounds can be tested
 * without a namespace or a clock.
 */

/** Seconds of benign-only traffic before the first attack, between attacks and after the last, at scale 1. */
export const WARM_UP_S = 15;
export const GAP_S = 5;
export const COOL_DOWN_S = 5;
/** The number of attack phases (lab/attacks.ts) and a bound on each one's length at scale 1. */
export const ATTACK_PHASES = 7;
const PHASE_BOUND_S = 40;
/** The longest benign-only run: bounded, as every generator of the lab is. */
export const MAX_BENIGN_ONLY_MINUTES = 120;

export interface LabPlanOptions {
  scale: number;
  /** Seconds of benign-only traffic before the first attack. Default WARM_UP_S × scale. */
  lead?: number;
  /** A benign-only run of this many minutes: no attack phase at all. */
  benignOnlyMinutes?: number;
}

export interface LabPlan {
  /** Whether the attack phases run. */
  attacks: boolean;
  /** Seconds of benign traffic before the first attack, or the whole length of a benign-only run. */
  lead: number;
  /** Seconds of benign traffic after the last attack (0 for a benign-only run: its lead is its length). */
  coolDown: number;
  /** An upper bound on the run's length in seconds: the controller's subscription lives at most this long. */
  maxSeconds: number;
}

export function labPlan(options: LabPlanOptions): LabPlan {
  const { scale } = options;
  if (options.benignOnlyMinutes !== undefined) {
    const minutes = options.benignOnlyMinutes;
    if (!(minutes > 0 && minutes <= MAX_BENIGN_ONLY_MINUTES)) {
      throw new RangeError(`a benign-only run lasts (0, ${MAX_BENIGN_ONLY_MINUTES}] minutes, not ${minutes}`);
    }
    const lead = minutes * 60;
    return { attacks: false, lead, coolDown: 0, maxSeconds: lead + 30 };
  }
  const lead = options.lead ?? WARM_UP_S * scale;
  const coolDown = COOL_DOWN_S * scale;
  const maxSeconds = lead + coolDown + ATTACK_PHASES * (GAP_S * scale + PHASE_BOUND_S) + 30;
  return { attacks: true, lead, coolDown, maxSeconds };
}
