// breakwater/pg: what the wrapper adds to a query on the success path, over a
// bare pool.query('SELECT 1') on loopback. Needs PGURL (scripts/start-postgres.sh);
// without it the suite prints that it was skipped.
//
// A query costs ~100 µs and the machine's noise is larger than the few µs we
// look for, so bare and wrapped run in interleaved rounds (the order flips each
// round) and the report gives the median of the per-round differences.
const ROUNDS = 11;
const QUERIES = 1_000;

import { EventEmitter } from 'node:events';
import { resilientPool } from '../../dist/pg/index.js';

/** A pool whose client answers at once: what is left is the wrapper's own work, without the server's noise. */
function instantPool() {
  const result = { rows: [{ one: 1 }] };
  class InstantClient extends EventEmitter {
    query() {
      return Promise.resolve(result);
    }
    release() {}
  }
  const client = new InstantClient();
  return {
    connect: () => Promise.resolve(client),
    query: () => Promise.resolve(result),
    async manual() {
      const c = await this.connect();
      try {
        return await c.query('SELECT 1');
      } finally {
        c.release();
      }
    },
  };
}

export function register({ lib, compare }) {
  const pool = instantPool();
  const wrapped = resilientPool(pool, lib.pipeline());
  const t = lib.timeout(1_000);
  const timed = resilientPool(pool, t);
  compare('pg: the wrapper on an instant pool (no server)', [
    ['connect + query + release by hand', () => pool.manual(), { baseline: true }],
    ['resilientPool(pool, pipeline()).query', () => wrapped.query('SELECT 1')],
    ['timeout(1000).execute(by hand)', () => t.execute(() => pool.manual())],
    ['resilientPool(pool, timeout(1000)).query', () => timed.query('SELECT 1')],
  ]);
}

export async function scenarios({ lib }) {
  const url = process.env.PGURL;
  if (!url) {
    console.log('## pg: skipped (PGURL is not set; export PGURL="$(scripts/start-postgres.sh)" to run it)\n');
    return;
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  const timed = lib.timeout(1_000);
  const contenders = [
    ['bare pool.query', pool],
    ['resilientPool(pool, pipeline()): the wrapper alone', resilientPool(pool, lib.pipeline())],
    ['timeout(1000).execute(() => pool.query(…))', { query: (text) => timed.execute(() => pool.query(text)) }],
    ['resilientPool(pool, timeout(1000))', resilientPool(pool, lib.timeout(1_000))],
  ];
  // Wall time and this process's CPU time per query, in µs. CPU time leaves out the
  // waits for the server and for other processes, so it is the steadier figure on a loaded machine.
  const run = async (db) => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < QUERIES; i++) await db.query('SELECT 1');
    const wall = ((performance.now() - t0) * 1_000) / QUERIES;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / QUERIES };
  };
  for (const [, db] of contenders) await run(db); // warm up
  const perRound = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) perRound[i].push(await run(contenders[i][1]));
  }
  await pool.end();
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const bare = perRound[0];
  const added = (i, key) => (i === 0 ? '' : median(perRound[i].map((m, r) => m[key] - bare[r][key])).toFixed(1));
  console.log(
    `## pg: added cost per query over a bare pool.query('SELECT 1') on loopback (median of ${ROUNDS} interleaved rounds of ${QUERIES})\n`,
  );
  console.log('| what | wall µs/query | wall µs added | CPU µs/query | CPU µs added |\n|---|---:|---:|---:|---:|');
  contenders.forEach(([name], i) => {
    const rows = perRound[i];
    console.log(
      `| ${name} | ${median(rows.map((m) => m.wall)).toFixed(1)} | ${added(i, 'wall')} | ${median(rows.map((m) => m.cpu)).toFixed(1)} | ${added(i, 'cpu')} |`,
    );
  });
  console.log('');
}
