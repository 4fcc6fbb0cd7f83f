import { fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../../..');
const outDir = join(root, 'node_modules', '.cache', 'breakwater-fleet');

/**
 * Bundles a worker script (TypeScript, importing the source) into one ES
 * module that `child_process.fork` runs as a real separate process; the
 * clients stay external and load from node_modules.
 */
export async function bundleWorker(entry: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${entry.replace(/[^a-z0-9]/gi, '_')}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['redis', 'ioredis', '@redis/*'],
    alias: { breakwater: join(root, 'src/index.ts') },
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * Forks one worker per message; once every worker has connected and said so,
 * tells them all to start at one moment, and collects their replies. Every
 * worker is killed after `limitMs`.
 */
export async function runWorkers<M, R>(file: string, messages: readonly M[], limitMs: number): Promise<R[]> {
  const children = messages.map(() => fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const timer = setTimeout(() => {
    for (const c of children) c.kill('SIGKILL');
  }, limitMs);
  try {
    const replies = children.map(
      (child) =>
        new Promise<R>((resolveReply, reject) => {
          child.on('message', (reply: { ready?: boolean }) => {
            if (reply.ready !== true) resolveReply(reply as R);
          });
          child.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
        }),
    );
    const ready = children.map(
      (child) =>
        new Promise<void>((resolveReady) =>
          child.on('message', (m: { ready?: boolean }) => m.ready === true && resolveReady()),
        ),
    );
    children.forEach((child, i) => child.send(messages[i] as object));
    await Promise.race([Promise.all(ready), Promise.all(replies)]);
    const startAt = Date.now() + 300;
    for (const child of children) child.send({ startAt });
    return await Promise.all(replies);
  } finally {
    clearTimeout(timer);
  }
}

/** Admissions per whole second after the start. */
export function perSecond(offsets: readonly number[], seconds: number): number[] {
  const bins = Array.from({ length: seconds }, () => 0);
  for (const t of offsets) {
    const s = Math.floor(t / 1_000);
    if (s >= 0 && s < seconds) bins[s] = (bins[s] as number) + 1;
  }
  return bins;
}

/**
 * The whole seconds in which the offered load really reached Redis: no gap
 * between two arrivals (Redis time) longer than `maxGapMs`. On a loaded
 * machine every process can stall at once; a second in which nobody asked
 * for tokens for longer than the bucket holds says nothing about the limiter.
 */
export function steadySeconds(arrivals: readonly number[], seconds: number, maxGapMs: number): boolean[] {
  const sorted = [...arrivals].sort((a, b) => a - b);
  const steady = Array.from({ length: seconds }, () => true);
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    if (gap <= maxGapMs) continue;
    for (
      let s = Math.max(0, Math.floor((sorted[i - 1] as number) / 1_000));
      s <= Math.floor((sorted[i] as number) / 1_000) && s < seconds;
      s++
    )
      steady[s] = false;
  }
  return steady;
}
