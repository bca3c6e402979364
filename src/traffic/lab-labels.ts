import { z } from 'zod';
import { readJsonFile } from '../util/read-json-file.js';

/**
 * The traffic lab (`lab/run.ts`) writes a ground-truth file beside its capture: which attack phase ran
 * when, from which address, with which tool. Every packet from or to the attacker address belongs to the
 * phase running at the time; everything else in the lab is benign. That makes a lab run a labelled
 * dataset: meter the pcap into connections, then `labelConnection` each one.
 */

export const LAB_GROUND_TRUTH_FORMAT = 'iot-ids-lab-ground-truth';

const phaseSchema = z.object({
  /** Short label used as the class name, e.g. `syn-scan`. */
  name: z.string().min(1),
  /** The program that generated it (`nmap`, `hping3`, `lab` for the lab's own Node generators). */
  tool: z.string(),
  /** The full command line (or a description of the in-process generator), for reproduction. */
  command: z.string(),
  /** Epoch seconds (fractional) when the tool was started and when it exited. */
  start: z.number(),
  end: z.number(),
  attacker: z.string(),
  target: z.string(),
  /** Target ports as the tool was given them, e.g. `1-1000` or `80`. */
  ports: z.string(),
  /** Packets or attempts the phase was bounded to (the tool's count argument). */
  bound: z.number().int().nonnegative(),
  /** The tool's exit code (null when it was stopped by a signal at the phase's time limit). */
  exitCode: z.number().int().nullable(),
});

export const labGroundTruthSchema = z.object({
  format: z.literal(LAB_GROUND_TRUTH_FORMAT),
  version: z.literal(1),
  seed: z.number().int(),
  scale: z.number().positive(),
  /** Epoch seconds of the first and last lab action (capture start and stop). */
  start: z.number(),
  end: z.number(),
  /** The capture file, relative to the ground-truth file. */
  pcap: z.string(),
  addresses: z.object({
    device: z.string(),
    clients: z.array(z.string()).min(1),
    attacker: z.string(),
  }),
  /**
   * Attacker traffic is attributed to a phase from `start - before` to `end + after`: a last RST or ICMP
   * error can trail the tool's exit, and the tool's first packet can precede the logged start by the
   * spawn latency's rounding.
   */
  grace: z.object({ before: z.number().nonnegative(), after: z.number().nonnegative() }),
  phases: z.array(phaseSchema),
  /** What the benign generators did, by generator (`http-polls`, `mqtt-publishes`, `dns-queries`…). */
  benign: z.record(z.string(), z.number().int().nonnegative()),
  /** tcpdump's own counts for the capture; a non-zero kernel drop count means the pcap misses packets. */
  capture: z
    .object({
      captured: z.number().int().nonnegative(),
      receivedByFilter: z.number().int().nonnegative(),
      droppedByKernel: z.number().int().nonnegative(),
      droppedByInterface: z.number().int().nonnegative(),
    })
    .optional(),
});

export type LabPhase = z.infer<typeof phaseSchema>;
export type LabGroundTruth = z.infer<typeof labGroundTruthSchema>;

/** The minimum of a connection the labeller needs (a `ConnRecord` fits). */
export interface LabConnectionKey {
  /** Start, epoch seconds. */
  readonly ts: number;
  readonly origH: string;
  readonly respH: string;
}

/** A phase name, `benign`, or `unattributed` for attacker traffic outside every phase window. */
export type LabLabel = string;

export const LAB_BENIGN = 'benign';
/** Attacker traffic outside every phase window: should not happen; evaluations should drop and count it. */
export const LAB_UNATTRIBUTED = 'unattributed';

/**
 * Labels one connection of a lab run. A connection with the attacker address at either end (scans draw
 * answers and ICMP errors from the device, which a meter may record with the device as originator) is
 * labelled with the phase whose window, widened by the grace, contains the connection's start; where two
 * widened windows overlap, the phase whose own window contains it or starts later wins. Connections
 * between other addresses are `benign`, whatever the time.
 */
export function labelConnection(conn: LabConnectionKey, truth: LabGroundTruth): LabLabel {
  const attacker = truth.addresses.attacker;
  if (conn.origH !== attacker && conn.respH !== attacker) return LAB_BENIGN;
  let best: LabPhase | undefined;
  for (const phase of truth.phases) {
    if (conn.ts < phase.start - truth.grace.before || conn.ts > phase.end + truth.grace.after) continue;
    const inside = conn.ts >= phase.start && conn.ts <= phase.end;
    if (inside) return phase.name;
    if (!best || phase.start > best.start) best = phase;
  }
  return best ? best.name : LAB_UNATTRIBUTED;
}

/** The class names of a run: `benign` first, then the phases in the order they ran. */
export function labClasses(truth: LabGroundTruth): string[] {
  return [LAB_BENIGN, ...truth.phases.map((p) => p.name)];
}

/** Reads and validates a ground-truth file (a usage error naming the file and field when it is not one). */
export async function readLabGroundTruth(path: string): Promise<LabGroundTruth> {
  return readJsonFile(path, labGroundTruthSchema, 'lab ground truth');
}
