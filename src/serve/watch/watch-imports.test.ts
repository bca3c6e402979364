import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../..');

/** Files reached from `entries` through static imports (type-only imports are erased, dynamic ones wait). */
function staticImports(entries: string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entries.map((e) => join(SRC, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/^(?:import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)'/gms)) {
      if (!spec.startsWith('.')) {
        if (!packages.has(spec)) packages.set(spec, relative(SRC, file));
        continue;
      }
      const target = join(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) queue.push(target);
    }
  }
  return { files, packages };
}

describe('what watch loads for a forest', () => {
  it('never imports TF.js or the engine: the deep models and the zero-day autoencoder load on demand', () => {
    // The modules `iot-ids watch` loads before it knows the model (cli/commands/watch.ts imports them).
    const { files, packages } = staticImports([
      'cli/main.ts',
      'serve/server.ts',
      'serve/watch/watch.ts',
      'serve/watch/heap-growth.ts',
      'detection/detect-packets.ts',
      'traffic/live/tcpdump-capture.ts',
      'models/random-forest/forest.ts',
    ]);
    expect(files.size).toBeGreaterThan(50); // the walk did follow the imports
    expect(files.has(join(SRC, 'models/load-saved-model.ts'))).toBe(true);
    const tf = [...packages].filter(([name]) => name.startsWith('@tensorflow/'));
    expect(tf).toEqual([]);
    expect(files.has(join(SRC, 'engine/index.ts'))).toBe(false);
  });
});
