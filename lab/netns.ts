import { execFileSync } from 'node:child_process';

/**
 * The lab's own network namespace. Everything the lab sends stays on the namespace's loopback: the only
 * device in a fresh namespace is `lo`, no veth or route to the host is ever created, and every address is
 * one of 127.0.0.0/8 (a fresh `lo` routes the whole /8 locally; the lab adds its addresses explicitly so
 * they show in `ip addr` and tools can bind them).
 */

export const LAB_ADDRESSES = {
  device: '127.0.0.10',
  clients: Array.from({ length: 10 }, (_, i) => `127.0.0.${20 + i}`),
  attacker: '127.0.0.66',
} as const;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why the lab cannot run here, or null when it can (root, `ip netns` permitted). */
export function labUnavailableReason(): string | null {
  if (process.getuid?.() !== 0) return 'the traffic lab needs root (network namespaces, raw sockets)';
  const probe = `iotids-probe-${process.pid}`;
  try {
    ip(['netns', 'add', probe]);
  } catch (error) {
    return `network namespaces are not permitted here: ${(error as Error).message.split('\n')[0]}`;
  }
  try {
    ip(['netns', 'del', probe]);
  } catch {
    // Nothing was running in it; a failed delete leaves only an empty mount point.
  }
  return null;
}

/** Creates the namespace, brings up its loopback and adds the lab's addresses to it. */
export function createLabNamespace(name: string): void {
  ip(['netns', 'add', name]);
  try {
    const inNs = (args: string[]): string => ip(['netns', 'exec', name, 'ip', ...args]);
    inNs(['link', 'set', 'lo', 'up']);
    for (const address of [LAB_ADDRESSES.device, ...LAB_ADDRESSES.clients, LAB_ADDRESSES.attacker]) {
      inNs(['addr', 'add', `${address}/32`, 'dev', 'lo']);
    }
    // Only in this namespace: the kernel would otherwise rate-limit the ICMP port-unreachable answers a UDP
    // scan draws to about one a second, stretching a 200-port scan to minutes.
    execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv4.icmp_ratelimit=0']);
    // A sanity check of the isolation promise: nothing but loopback may exist in the namespace.
    const links = inNs(['-o', 'link', 'show'])
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (links.length !== 1 || !/^\d+: lo:/.test(links[0] ?? '')) {
      throw new Error(`namespace ${name} has devices other than lo: ${links.join(' | ')}`);
    }
  } catch (error) {
    void destroyLabNamespace(name, 0);
    throw error;
  }
}

/** The pids of the processes running in the namespace; null when it does not exist. */
function pidsIn(name: string): number[] | null {
  try {
    return ip(['netns', 'pids', name])
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => /^\d+$/.test(s))
      .map(Number);
  } catch {
    return null;
  }
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Ends whatever still runs in the namespace — by pid: SIGTERM first, so a capture attached from outside
 * (`watch --netns`) flushes and reports, SIGKILL after `graceMs` — and deletes it. Safe to call twice.
 */
export async function destroyLabNamespace(name: string, graceMs = 2000): Promise<void> {
  const pids = pidsIn(name);
  if (pids === null) return; // already gone
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = pids;
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = pidsIn(name) ?? [];
  }
  signalAll(left, 'SIGKILL');
  try {
    ip(['netns', 'del', name]);
  } catch {
    // already deleted
  }
}
