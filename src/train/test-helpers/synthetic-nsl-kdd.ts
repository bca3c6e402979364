import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { KDD_FEATURE_NAMES } from '../../data/kdd-columns.js';
import { Random } from '../../util/random.js';

/** Rows per raw label of each synthetic file. */
export type LabelCounts = Record<string, number>;

/**
 * Default training file: one normal label and several attack types per class, so leave-attack-type-out
 * validation can hold whole small types out of every attack class (neptune, satan, warezclient and
 * buffer_overflow are too big to be taken).
 */
export const SYNTHETIC_TRAIN: LabelCounts = {
  normal: 300,
  neptune: 150,
  smurf: 12,
  back: 8,
  satan: 60,
  ipsweep: 5,
  portsweep: 4,
  warezclient: 40,
  guess_passwd: 3,
  imap: 2,
  buffer_overflow: 12,
  rootkit: 2,
  loadmodule: 1,
};

/** Default test files: KDDTest+ adds types the training file lacks (mscan, processtable); KDDTest-21 is smaller. */
export const SYNTHETIC_TESTS: Record<string, LabelCounts> = {
  'KDDTest+': {
    normal: 80,
    neptune: 40,
    processtable: 10,
    satan: 15,
    mscan: 8,
    guess_passwd: 10,
    rootkit: 3,
  },
  'KDDTest-21': { normal: 20, neptune: 10, processtable: 5, mscan: 6, guess_passwd: 8, rootkit: 3 },
};

/**
 * Writes NSL-KDD-shaped files (41 features, label, difficulty) of random rows under `<dir>/nsl-kdd/`, each
 * label with its own feature profile so a classifier and the autoencoder have something to learn. For a
 * data directory of a few hundred rows that runs the whole official protocol in seconds.
 */
export async function writeSyntheticNslKdd(
  dir: string,
  files: { train?: LabelCounts; tests?: Record<string, LabelCounts> } = {},
  seed = 5,
): Promise<string> {
  const random = new Random(seed);
  const profiles = new Map<string, number[]>();
  const profileOf = (label: string): number[] => {
    let profile = profiles.get(label);
    if (!profile) profiles.set(label, (profile = KDD_FEATURE_NAMES.map(() => random.next())));
    return profile;
  };
  const line = (label: string): string => {
    const profile = profileOf(label);
    const fields = KDD_FEATURE_NAMES.map((name, i) => {
      const p = Math.min(1, Math.max(0, profile[i] + (random.next() - 0.5) * 0.2));
      if (name === 'protocol_type') return ['tcp', 'udp', 'icmp'][Math.floor(p * 2.99)];
      if (name === 'service') return ['http', 'ftp', 'smtp', 'private'][Math.floor(p * 3.99)];
      if (name === 'flag') return ['SF', 'S0', 'REJ'][Math.floor(p * 2.99)];
      if (name.endsWith('_rate')) return p.toFixed(2);
      if (['land', 'logged_in', 'root_shell', 'is_host_login', 'is_guest_login'].includes(name)) {
        return p > 0.5 ? '1' : '0';
      }
      return String(Math.round(p * 100));
    });
    return `${fields.join(',')},${label},${Math.floor(random.next() * 21)}`;
  };
  const write = async (name: string, counts: LabelCounts): Promise<void> => {
    const lines = Object.entries(counts).flatMap(([label, n]) =>
      Array.from({ length: n }, () => line(label)),
    );
    random.shuffle(lines);
    await writeFile(join(dir, 'nsl-kdd', `${name}.txt`), `${lines.join('\n')}\n`);
  };
  await mkdir(join(dir, 'nsl-kdd'), { recursive: true });
  await write('KDDTrain+', files.train ?? SYNTHETIC_TRAIN);
  for (const [name, counts] of Object.entries(files.tests ?? SYNTHETIC_TESTS)) await write(name, counts);
  return dir;
}
