import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KDD_TAXONOMY } from '../../src/data/taxonomy.js';
import { benchDataDir } from './nsl-kdd-matrices.js';
import { ReferenceProcess } from './reference-process.js';
import type { BenchCase, RunResult, SharedData } from './side-by-side-cases.js';

const root = join(import.meta.dirname, '..', '..');
const python = process.env.IOT_IDS_REFERENCE_PYTHON ?? '/usr/bin/python3';

/**
 * A whole `iot-ids train --model fcnn` run with its defaults (nsl-kdd, 5class, official protocol: KDDTrain+
 * with a 10 % validation part, tested on KDDTest+ and KDDTest-21) against bench/reference/pipeline_fcnn.py,
 * which does the same pipeline in pandas, scikit-learn and PyTorch. Both sides are child processes, started
 * and timed alike by a reference process (os.wait4: wall seconds and the child's own CPU seconds), seed =
 * round on both sides. The iot-ids side runs the compiled CLI: build dist/ first (`npm run build`).
 */
export function pipelineCases(shared: SharedData): BenchCase[] {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new Error('the pipeline case runs the compiled CLI: run `npm run build` first');
  }
  const taxonomy = join(shared.dir, 'kdd-taxonomy.json');
  writeFileSync(taxonomy, JSON.stringify(KDD_TAXONOMY));
  // Starts the iot-ids side the way the 1-thread reference process starts the PyTorch side.
  const launcher = new ReferenceProcess(1);
  shared.onRemove(() => launcher.close(true));
  const out = (side: string, round: number) => join(shared.dir, `pipeline-${side}-${round}`);
  return [
    {
      bench: 'pipeline',
      name: 'whole `train --model fcnn` run (nsl-kdd defaults) vs the same pipeline in PyTorch',
      metrics: ['run'],
      flops: {},
      warmup: false,
      iotIds: async (round): Promise<RunResult> => {
        const dir = out('iot-ids', round);
        const argv = [process.execPath, join(root, 'bin', 'iot-ids.js'), 'train', '--model', 'fcnn'];
        argv.push('--dataset', 'nsl-kdd', '--data-dir', benchDataDir, '--seed', String(round), '--out', dir);
        const answer = await launcher.run<{ wall: number; cpu: number }>({ task: 'child', argv, cwd: root });
        const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as {
          splits: Record<string, { accuracy: number }>;
        };
        rmSync(dir, { recursive: true, force: true });
        return {
          timings: { run: { wall: answer.wall, cpu: answer.cpu } },
          accuracy: metrics.splits['KDDTest+'].accuracy,
        };
      },
      references: [
        {
          label: 'PyTorch 1t pipeline',
          threads: 1,
          command: (round) => ({
            task: 'child',
            argv: [
              python,
              join(root, 'bench', 'reference', 'pipeline_fcnn.py'),
              '--data-dir',
              benchDataDir,
              '--taxonomy',
              taxonomy,
              '--seed',
              String(round),
              '--out',
              out('pytorch', round),
            ],
          }),
        },
      ],
    },
  ];
}
