/**
 * Loader throughput and memory: `node --import tsx bench/load.ts`. Each file is loaded in its own child
 * process so the peak RSS (process.resourceUsage().maxRSS) belongs to that file alone, once by each reader
 * (`bytes`, the default WebAssembly byte path, and `text`, the TypeScript reference path), cold: the first
 * load of a fresh process, module compilation included. Also compares the
 * field-splitting strategies on KDDTrain+ (papaparse per line, String.split, the loader's in-place scan).
 * Prints one JSON line, then one human-readable line. Goals: ≥ 150k rows/s and < 1 GiB peak RSS on KDD99 10%.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Papa from 'papaparse';
import { parsePlainDecimal } from '../src/data/fast-number.js';
import { loadTable } from '../src/data/load-table.js';
import { DATASETS } from '../src/data/registry.js';
import type { DatasetSchema } from '../src/data/schema.js';

const dataDir = resolve(process.env.IOT_IDS_DATA_DIR ?? resolve(import.meta.dirname, '../../shared/data'));

interface Target {
  name: string;
  file: string;
  schema: DatasetSchema;
}

const TARGETS: Target[] = [
  { name: 'KDDTrain+', file: 'nsl-kdd/KDDTrain+.txt.gz', schema: DATASETS['nsl-kdd'].schema },
  { name: 'KDD99 10%', file: 'kddcup99/kddcup.data_10_percent.gz', schema: DATASETS.kdd99.schema },
];

type Reader = 'bytes' | 'text';
const READERS: Reader[] = ['bytes', 'text'];

interface LoadFigures {
  name: string;
  reader: Reader;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMiB: number;
}

async function measureOne(target: Target, reader: Reader): Promise<LoadFigures> {
  const start = performance.now();
  const { table } = await loadTable(resolve(dataDir, target.file), target.schema, { reader });
  const seconds = (performance.now() - start) / 1000;
  return {
    name: target.name,
    reader,
    rows: table.nRows,
    seconds: round(seconds, 3),
    rowsPerSecond: Math.round(table.nRows / seconds),
    peakRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
  };
}

/** Rows/s of turning every KDDTrain+ line into field values, per strategy (numbers converted, strings kept). */
function measureSplitting(): Record<string, number> {
  const lines = gunzipSync(readFileSync(resolve(dataDir, TARGETS[0].file)))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0);
  const values = new Float64Array(64);
  const convert = (fields: string[]): void => {
    for (let j = 0; j < fields.length; j++) values[j] = Number(fields[j]);
  };
  const strategies: Record<string, (line: string) => void> = {
    papaparsePerLine: (line) =>
      convert(Papa.parse<string[]>(line, { delimiter: ',', newline: '\n', header: false }).data[0]),
    stringSplit: (line) => convert(line.split(',')),
    // What the loader does for quote-free lines: one pass, plain decimals parsed in place.
    scanInPlace: (line) => {
      let start = 0;
      for (let j = 0; ; j++) {
        let end = line.indexOf(',', start);
        if (end === -1) end = line.length;
        const value = parsePlainDecimal(line, start, end);
        values[j] = value === value ? value : Number(line.slice(start, end));
        if (end === line.length) break;
        start = end + 1;
      }
    },
  };
  const result: Record<string, number> = {};
  for (const [name, strategy] of Object.entries(strategies)) {
    for (const line of lines) strategy(line); // warm-up
    const start = performance.now();
    for (const line of lines) strategy(line);
    result[`${name}RowsPerSecond`] = Math.round(lines.length / ((performance.now() - start) / 1000));
  }
  return result;
}

function rate(rowsPerSecond: number): string {
  return rowsPerSecond.toLocaleString('en-US');
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

async function main(): Promise<void> {
  const only = process.argv.indexOf('--one');
  if (only !== -1) {
    const target = TARGETS.find((t) => t.name === process.argv[only + 1]);
    if (!target) throw new Error(`unknown target ${process.argv[only + 1]}`);
    const reader = process.argv[only + 2] as Reader;
    process.stdout.write(`${JSON.stringify(await measureOne(target, reader))}\n`);
    return;
  }
  if (!existsSync(dataDir)) {
    console.log(JSON.stringify({ bench: 'load', skipped: `no data directory ${dataDir}` }));
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const loads = TARGETS.flatMap((target) =>
    READERS.map((reader): LoadFigures => {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--one', target.name, reader], {
        encoding: 'utf8',
      });
      return JSON.parse(out.trim().split('\n').pop()!) as LoadFigures;
    }),
  );
  const splitting = measureSplitting();
  const kdd99 = loads.find((l) => l.name === 'KDD99 10%' && l.reader === 'bytes')!;
  const goalsMet = kdd99.rowsPerSecond >= 150_000 && kdd99.peakRssMiB < 1024;
  console.log(JSON.stringify({ bench: 'load', node: process.version, loads, splitting, goalsMet }));
  console.log(
    loads
      .map(
        (l) =>
          `${l.name} (${l.reader}): ${l.rows.toLocaleString('en-US')} rows in ${l.seconds} s = ` +
          `${l.rowsPerSecond.toLocaleString('en-US')} rows/s, peak RSS ${l.peakRssMiB} MiB`,
      )
      .join('; ') +
      `; turning KDDTrain+ lines into values: papaparse per line ${rate(splitting.papaparsePerLineRowsPerSecond)}, ` +
      `String.split ${rate(splitting.stringSplitRowsPerSecond)}, in-place scan ${rate(splitting.scanInPlaceRowsPerSecond)} rows/s; ` +
      `goals (KDD99 10% ≥ 150k rows/s, < 1 GiB) ${goalsMet ? 'met' : 'NOT met'}`,
  );
}

await main();
