// One instance of a service in its own process: a cache on a Redis store.
// It answers each message `{ key, value }` with what the cache returned and
// whether its own function ran. Bundled by test/redis/support/fleet.ts.
import { cache } from '../../../src/cache/index.js';
import { redisStore } from '../../../src/redis/index.js';
import { connect } from '../../redis/support/servers.js';

interface Start {
  readonly url: string;
  readonly prefix: string;
}
interface Call {
  readonly key: string;
  readonly value: string;
}

process.once('message', (start: Start) => {
  void connect('ioredis', 'single', start.url).then(({ client }) => {
    const store = redisStore({ client, prefix: start.prefix });
    const users = cache({ ttl: 60_000, name: 'users', store });
    process.on('message', (call: Call) => {
      let ran = false;
      users
        .execute(
          () => {
            ran = true;
            return { value: call.value, pid: process.pid };
          },
          { key: call.key, idempotent: true },
        )
        // Write-behind is on its way: give it the time of a round trip before answering.
        .then((got) => new Promise((r) => setTimeout(() => r(got), 20)))
        .then(
          (got) => process.send?.({ got, ran }),
          (error: unknown) => process.send?.({ error: String(error) }),
        );
    });
    process.send?.({ ready: true });
  });
});
