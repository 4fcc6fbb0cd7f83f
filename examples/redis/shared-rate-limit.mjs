// Two instances of a service share one rate limit through Redis: together they
// get 20 calls per second, not 20 each. Without REDIS_URL it runs on
// memoryStore (one process) to show the same behaviour.
// Run: npm run build && REDIS_URL="$(scripts/start-redis.sh)" node examples/redis/shared-rate-limit.mjs
import { isRateLimitedError, memoryStore, rateLimit } from 'breakwater';
import { redisStore } from 'breakwater/redis';
import { Redis } from 'ioredis';

const url = process.env.REDIS_URL;
const client = url === undefined ? undefined : new Redis(url, { enableOfflineQueue: false });
// Connect first: commands sent before the client is ready fail at once (its offline queue is off).
if (client !== undefined) await new Promise((resolve) => client.once('ready', resolve));
const store = client === undefined ? memoryStore() : redisStore({ client, prefix: `example-${process.pid}:` });
store.on('degraded', ({ error }) => console.warn('store degraded, deciding locally:', error.message));

// The same name on both instances: one bucket for the fleet.
const options = { name: 'sms-provider', limit: 20, perMs: 1_000, burst: 5, store };
const instances = [rateLimit(options), rateLimit(options)];

const counts = [0, 0];
const started = Date.now();
while (Date.now() - started < 2_000) {
  await Promise.all(
    instances.map((policy, i) =>
      policy
        .execute(() => counts[i]++)
        .catch((error) => {
          if (!isRateLimitedError(error)) throw error;
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 10));
}
console.log(
  `${url === undefined ? 'memoryStore' : 'redisStore'}: in 2 s instance A sent ${counts[0]}, B sent ${counts[1]}; together ${counts[0] + counts[1]} (limit 20/s, burst 5)`,
);
client?.disconnect();
