/**
 * The feature layouts of the packet statistics and their names. Groups come in this order, each with one
 * block per decay rate λ (in the order of `lambdas`):
 *   MI_dir  source MAC + IP, packet size: weight, mean, variance
 *   H       source IP, packet size: weight, mean, variance                   (paper-115 only)
 *   HH      source IP → destination IP, packet size: weight, mean, std, radius, magnitude, covariance, pcc
 *   HH_jit  source IP → destination IP, inter-arrival time: weight, mean, variance
 *   HpHp    socket IP:port → IP:port (MACs for non-IP frames), packet size: as HH
 * `reference-100` is the layout of the published reference code (Kitsune-py), `paper-115` the paper's, which
 * adds the per-source-IP stream (the N-BaIoT data set uses it too).
 */
export const PACKET_STATS_LAYOUTS = ['reference-100', 'paper-115'] as const;
export type PacketStatsLayout = (typeof PACKET_STATS_LAYOUTS)[number];

export const DEFAULT_LAMBDAS: readonly number[] = [5, 3, 1, 0.1, 0.01];

const ONE_D = ['weight', 'mean', 'variance'] as const;
const TWO_D = ['weight', 'mean', 'std', 'radius', 'magnitude', 'covariance', 'pcc'] as const;

/** Values per λ block of each group. */
export const ONE_D_WIDTH = ONE_D.length;
export const TWO_D_WIDTH = TWO_D.length;

export function featureCount(layout: PacketStatsLayout, nLambdas: number): number {
  const perLambda =
    layout === 'paper-115' ? 3 * ONE_D_WIDTH + 2 * TWO_D_WIDTH : 2 * ONE_D_WIDTH + 2 * TWO_D_WIDTH;
  return perLambda * nLambdas;
}

/** Names such as `MI_dir_L5_weight` or `HpHp_L0.01_pcc`, in output order. */
export function featureNames(layout: PacketStatsLayout, lambdas: readonly number[]): string[] {
  const names: string[] = [];
  const group = (prefix: string, stats: readonly string[]): void => {
    for (const lambda of lambdas) for (const stat of stats) names.push(`${prefix}_L${lambda}_${stat}`);
  };
  group('MI_dir', ONE_D);
  if (layout === 'paper-115') group('H', ONE_D);
  group('HH', TWO_D);
  group('HH_jit', ONE_D);
  group('HpHp', TWO_D);
  return names;
}
