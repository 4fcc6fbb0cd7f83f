// The acceptance test for transactions: 1,000 SERIALIZABLE transfers among 10
// accounts, 20 at a time, through retry + transaction. PostgreSQL rolls back
// the ones that conflict (40001, 40P01); retry runs them again because they
// carry executed === false, even though they are not idempotent.
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exponential, retry } from 'breakwater';
import { isPgRolledBack, resilientPool } from '../../src/pg/index.js';
import { adminClient, describeWithServer, makePool, warnIfSkipped } from './server.js';

warnIfSkipped('test/pg/transfers.test.ts');

const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const accounts = `bw_accounts_${suffix}`;
const ledger = `bw_ledger_${suffix}`;
const ACCOUNTS = 10;
const OPENING = 1_000;
const TRANSFERS = 1_000;
const CONCURRENCY = 20;

let admin: pg.Client;
let pool: pg.Pool;

describeWithServer('breakwater/pg: serializable transfers through retry + transaction', () => {
  beforeAll(async () => {
    admin = await adminClient();
    await admin.query(`CREATE TABLE ${accounts} (id int PRIMARY KEY, balance int NOT NULL)`);
    await admin.query(
      `CREATE TABLE ${ledger} (transfer_id int PRIMARY KEY, from_id int NOT NULL, to_id int NOT NULL, amount int NOT NULL)`,
    );
    await admin.query(`INSERT INTO ${accounts} SELECT g, ${OPENING} FROM generate_series(1, ${ACCOUNTS}) g`);
    pool = makePool({ max: CONCURRENCY });
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP TABLE IF EXISTS ${accounts}, ${ledger}`);
    await admin?.end();
  });

  it(
    'conserves the total, applies each transfer exactly once, and retries exactly the rolled-back attempts',
    { timeout: 120_000 },
    async () => {
      const policy = retry({ maxAttempts: Infinity, backoff: exponential({ initial: 1, max: 20 }) });
      let rolledBackSeen = 0;
      let otherErrors = 0;
      let retries = 0;
      let blocked = 0;
      policy.on('attempt', (e) => {
        if (e.outcome.ok) return;
        if (isPgRolledBack(e.outcome.error)) rolledBackSeen++;
        else otherErrors++;
      });
      policy.on('retry', () => retries++);
      policy.on('retryBlocked', () => blocked++);
      const db = resilientPool(pool, policy);

      // A fixed, reproducible plan: transfer i moves amount from one account to another.
      const plan = Array.from({ length: TRANSFERS }, (_, i) => {
        const from = ((i * 7) % ACCOUNTS) + 1;
        return { id: i + 1, from, to: ((from + (i % (ACCOUNTS - 1))) % ACCOUNTS) + 1, amount: (i % 13) + 1 };
      });

      const transfer = (t: (typeof plan)[number]): Promise<void> =>
        db.transaction(
          async (client) => {
            // Rows are locked in id order, so conflicts end in serialization failures at once rather than in
            // deadlocks that the server detects only after deadlock_timeout (1 s).
            const [first, second] = t.from < t.to ? [t.from, t.to] : [t.to, t.from];
            for (const id of [first, second]) {
              await client.query(`UPDATE ${accounts} SET balance = balance + $1 WHERE id = $2`, [
                id === t.from ? -t.amount : t.amount,
                id,
              ]);
            }
            await client.query(`INSERT INTO ${ledger} (transfer_id, from_id, to_id, amount) VALUES ($1, $2, $3, $4)`, [
              t.id,
              t.from,
              t.to,
              t.amount,
            ]);
          },
          { isolationLevel: 'serializable' },
        );

      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < plan.length) {
          const t = plan[next++];
          if (t !== undefined) await transfer(t);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      const total = await admin.query<{ total: number }>(`SELECT sum(balance)::int AS total FROM ${accounts}`);
      expect(total.rows[0]?.total).toBe(ACCOUNTS * OPENING);
      const applied = await admin.query<{ n: number; distinct_ids: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT transfer_id)::int AS distinct_ids FROM ${ledger}`,
      );
      expect(applied.rows[0]).toEqual({ n: TRANSFERS, distinct_ids: TRANSFERS });
      // Every balance is its opening plus what the ledger says came in, minus what went out: nothing applied twice or lost.
      const mismatched = await admin.query(
        `SELECT a.id FROM ${accounts} a
         LEFT JOIN (SELECT to_id AS id, sum(amount) AS v FROM ${ledger} GROUP BY to_id) c ON c.id = a.id
         LEFT JOIN (SELECT from_id AS id, sum(amount) AS v FROM ${ledger} GROUP BY from_id) d ON d.id = a.id
        WHERE a.balance <> ${OPENING} + coalesce(c.v, 0) - coalesce(d.v, 0)`,
      );
      expect(mismatched.rows).toEqual([]);
      // The conflicts happened, and each one (and nothing else) was retried.
      expect(rolledBackSeen).toBeGreaterThan(0);
      expect(otherErrors).toBe(0);
      expect(retries).toBe(rolledBackSeen);
      expect(blocked).toBe(0);
      console.log(
        `transfers: ${TRANSFERS} applied once each, ${rolledBackSeen} serialization/deadlock rollbacks retried`,
      );
    },
  );
});
