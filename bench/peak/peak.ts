/**
 * The machine's single-core float32 peak, so a benchmark's rate can be read as a fraction of the physical
 * limit: compiles bench/peak/fma-peak.c with the system's C compiler (gcc -O3, at bench time, into a
 * temporary folder; `npm ci` never compiles anything) and runs it on one core. Reports GFLOP/s of AVX2 FMA
 * (the figure fractions of peak are taken against), AVX-512 FMA where the processor has it, and 128-bit
 * multiply + add (the ceiling of WebAssembly SIMD128, which has no FMA).
 *
 *   node --import tsx bench/peak/peak.ts [--trials 7]
 * Prints one JSON line and one human line. Needs `gcc` (Debian: apt-get install gcc).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface Peak {
  /** GFLOP/s of 256-bit fused multiply-add on one core. */
  avx2Fma: number;
  /** GFLOP/s of 512-bit fused multiply-add, when the processor has AVX-512F. */
  avx512Fma?: number;
  /** GFLOP/s of 128-bit multiply then add (what WebAssembly SIMD128 can issue). */
  sseMulAdd: number;
  compiler: string;
}

const SOURCE = join(import.meta.dirname, 'fma-peak.c');

/** Compiles and runs the peak program; `trials` runs of each kind, the best counts. */
export function measurePeak(trials = 7): Peak {
  const dir = mkdtempSync(join(tmpdir(), 'iot-ids-peak-'));
  try {
    const binary = join(dir, 'fma-peak');
    execFileSync('gcc', ['-O3', '-o', binary, SOURCE]);
    const compiler = execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    const output = execFileSync(binary, [String(trials)], { encoding: 'utf8' });
    const figures = JSON.parse(output) as Omit<Peak, 'compiler'>;
    return { ...figures, compiler };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { trials: { type: 'string', default: '7' } } });
  const peak = measurePeak(Number(values.trials));
  const [load1] = (await import('node:os')).loadavg();
  console.log(JSON.stringify({ bench: 'peak', ...peak, loadAverage: Number(load1.toFixed(2)) }));
  console.log(
    `single-core float32 peak: AVX2 FMA ${peak.avx2Fma} GFLOP/s` +
      (peak.avx512Fma === undefined ? '' : `, AVX-512 FMA ${peak.avx512Fma} GFLOP/s`) +
      `, 128-bit mul+add (WebAssembly SIMD ceiling) ${peak.sseMulAdd} GFLOP/s (best of ${values.trials} trials, load ${load1.toFixed(2)}; ${peak.compiler})`,
  );
}
