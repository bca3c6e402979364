import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel } from '../detection/test-helpers/tiny-model.js';
import { IotIdsError } from '../errors.js';
import { Random } from '../util/random.js';
import { mutateMany } from '../util/test-helpers/mutate.js';
import { loadSavedModel } from './load-saved-model.js';

const CASES = 1000;

describe('fuzz: tampered model directories', () => {
  let root: string;
  let dir: string;
  let pristine: Map<string, Buffer>;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'iot-ids-model-fuzz-'));
    const { modelDir } = await makeTinyModel(root, 200);
    pristine = new Map();
    for (const name of await readdir(modelDir)) pristine.set(name, await readFile(join(modelDir, name)));
    dir = join(root, 'case');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it(`${CASES} tampered directories: each refused with an IotIdsError naming a file, none loads, none hangs`, async () => {
    const random = new Random(404);
    const names = [...pristine.keys()];
    const outcome = { cases: 0, refused: 0, loadedUnchanged: 0 };
    const reasons = new Map<string, number>();
    for (let c = 0; c < CASES; c++) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
      const files = new Map(pristine);
      const target = names[random.int(names.length)];
      const kind = c % 100 === 99 ? 7 : random.int(7);
      let special: (() => Promise<void>) | undefined;
      if (kind === 0 || kind === 1) {
        files.set(target, mutateMany(files.get(target)!, random, 1 + random.int(3)));
      } else if (kind === 2) {
        files.delete(target);
      } else if (kind === 3) {
        files.set(`extra-${random.int(3)}.bin`, Buffer.from('x'));
      } else if (kind === 4) {
        // An edit that keeps the manifest valid JSON: one value replaced in the parsed object.
        const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Record<string, unknown>;
        const keys = Object.keys(manifest);
        const key = keys[random.int(keys.length)];
        const values: unknown[] = [
          null,
          2,
          'x',
          [],
          {},
          [...(manifest.classes as string[])].reverse(),
          { 'pipeline.json': 'a'.repeat(64) },
        ];
        manifest[key] = values[random.int(values.length)];
        files.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
      } else if (kind === 5) {
        files.delete(target);
        special = () => mkdir(join(dir, target)).then(() => undefined);
      } else if (kind === 6) {
        files.delete(target);
        special = () => symlink(random.int(2) === 0 ? '/dev/zero' : '/dev/null', join(dir, target));
      } else {
        files.delete(target);
        special = () => {
          execFileSync('mkfifo', [join(dir, target)]);
          return Promise.resolve();
        };
      }
      for (const [name, bytes] of files) await writeFile(join(dir, name), bytes);
      await special?.();
      const unchanged =
        special === undefined &&
        files.size === pristine.size &&
        [...files].every(([name, bytes]) => pristine.get(name)?.equals(bytes) === true);
      outcome.cases++;
      try {
        const { model } = await loadSavedModel(dir);
        await model.dispose();
        expect(unchanged, `case ${c} (${kind} on ${target}) loaded although tampered`).toBe(true);
        outcome.loadedUnchanged++;
      } catch (error) {
        if (!(error instanceof IotIdsError))
          throw new Error(`case ${c} (${kind} on ${target}): ${String(error)}`, { cause: error });
        expect(error.message).toContain(dir);
        const reason = error.message
          .slice(error.message.indexOf(': ') + 2)
          .split(/[(:]/)[0]
          .trim()
          .replace(/\d+/g, 'n');
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        outcome.refused++;
      }
    }
    console.log(
      `model dir fuzz: ${JSON.stringify(outcome)}; refusals ${JSON.stringify(Object.fromEntries(reasons))}`,
    );
    expect(outcome.refused + outcome.loadedUnchanged).toBe(CASES);
    expect(outcome.refused).toBeGreaterThan(CASES * 0.9);
  });
});
