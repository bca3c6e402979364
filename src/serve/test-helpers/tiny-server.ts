import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Random } from '../../util/random.js';
import { startServer, type RunningServer, type ServerOptions } from '../server.js';
import { makeTinyModel, tinyRow, TINY_CLASSES } from '../../detection/test-helpers/tiny-model.js';

/** A record of the tiny dataset as the HTTP API takes it; its class follows from `signal`. */
export interface TinyRecord {
  duration: number;
  proto: string;
  signal: number;
  noise: number;
  [extra: string]: unknown;
}

/**
 * `n` records of class `cls` ('normal', 'dos' or 'probe'; random per record when omitted), with `signal`
 * well inside the class's range so that the 5-tree tiny forest is never in doubt.
 */
export function tinyRecords(seed: number, n: number, cls?: string): TinyRecord[] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => {
    const c = cls === undefined ? random.int(3) : TINY_CLASSES.indexOf(cls);
    const row = tinyRow(random, c);
    const signal = Math.round((c * 10 + 3 + random.next() * 4) * 100) / 100;
    return { duration: row.duration, proto: row.proto, signal, noise: row.noise };
  });
}

export interface TinyServer {
  server: RunningServer;
  url: string;
  dir: string;
  modelDir: string;
  storePath: string;
  /** Closes the server and removes the temporary directory. */
  cleanup: () => Promise<void>;
}

/** A tiny model in a temporary directory and a server on a free loopback port around it. */
export async function startTinyServer(options: Partial<ServerOptions> = {}): Promise<TinyServer> {
  const dir = await mkdtemp(join(tmpdir(), 'iot-ids-serve-'));
  const { modelDir } = await makeTinyModel(dir);
  const storePath = join(dir, 'alerts.db');
  const server = await startServer({
    modelDir,
    host: '127.0.0.1',
    port: 0,
    store: storePath,
    storeSynchronous: 'normal',
    ...options,
  });
  return {
    server,
    url: server.url,
    dir,
    modelDir,
    storePath,
    cleanup: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs records to /v1/detect and returns status and parsed body. */
export async function postRecords(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: DetectBody & ErrorBody }> {
  const res = await fetch(`${url}/v1/detect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as DetectBody & ErrorBody };
}

export interface DetectBody {
  model: string;
  records: number;
  alerts: number;
  predictions: {
    /** Bodies of lines (CSV, flow logs): the record's line. */
    line?: number;
    label: string;
    probability: number;
    alert: boolean;
    alertId?: number;
    probabilities?: Record<string, number>;
  }[];
  /** Flow-log bodies: lines that gave no connection. */
  skipped?: { total: number; reasons: Record<string, number>; examples: Record<string, string[]> };
}

export interface ErrorBody {
  error?: string;
  errors?: { index: number; line?: number; field?: string; message: string }[];
  invalidRecords?: number;
}
