/**
 * The alert threshold: a log-normal fitted to benign scores (mean and standard deviation of their logs,
 * Welford's running form), and the score whose upper-tail probability is the false-alarm rate p:
 * exp(μ + σ · Φ⁻¹(1 − p)).
 */
export class LogNormalFit {
  count = 0;
  private mean = 0;
  private m2 = 0;

  /** Scores at or below this floor are taken as the floor (log 0 is −∞). */
  static readonly FLOOR = 1e-12;

  add(score: number): void {
    const v = Math.log(Math.max(score, LogNormalFit.FLOOR));
    this.count++;
    const delta = v - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (v - this.mean);
  }

  get mu(): number {
    return this.mean;
  }

  /** Sample standard deviation of the logs (0 for fewer than two scores). */
  get sigma(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : 0;
  }

  threshold(falseAlarmRate: number): number {
    return logNormalThreshold(this.mu, this.sigma, falseAlarmRate);
  }
}

export function logNormalThreshold(mu: number, sigma: number, falseAlarmRate: number): number {
  const t = Math.exp(mu + sigma * normalQuantile(1 - falseAlarmRate));
  return Number.isFinite(t) ? t : Number.MAX_VALUE;
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}
