import { pino } from 'pino';
import { describe, expectTypeOf, it } from 'vitest';
import {
  circuitBreaker,
  type EventLogger,
  type EventLogHandle,
  type EventRecord,
  health,
  type HealthReport,
  type HealthStatus,
  logEvents,
  type LogLevel,
  pipeline,
  retry,
} from '../../src/index.js';
import { resilientFetch, type ResilientFetchOptions } from '../../src/fetch/index.js';

describe('health and logEvents types', () => {
  it('health returns a HealthReport whose statuses are the three words', () => {
    const report = health(pipeline(retry(), circuitBreaker()));
    expectTypeOf(report).toEqualTypeOf<HealthReport>();
    expectTypeOf(report.status).toEqualTypeOf<HealthStatus>();
    expectTypeOf(report.policies[0]?.state).toEqualTypeOf<'closed' | 'open' | 'halfOpen' | 'isolated' | undefined>();
    // @ts-expect-error: limit is a number
    health(retry(), { limit: '5' });
  });

  it('logEvents takes pino, console and bunyan-shaped loggers', () => {
    expectTypeOf(logEvents(retry(), pino())).toEqualTypeOf<EventLogHandle>();
    logEvents(retry(), console);
    const bunyanish = {
      debug: (_o: object, _m: string) => undefined,
      info: (_o: object, _m: string) => undefined,
      warn: (_o: object, _m: string) => undefined,
    };
    logEvents(retry(), bunyanish);
    logEvents(retry(), console, {
      levels: {
        stateChange: (r: EventRecord): LogLevel | false => (r.to === 'open' ? 'error' : false),
        success: false,
      },
    });
    // @ts-expect-error: not a level
    logEvents(retry(), console, { levels: { success: 'loud' } });
    expectTypeOf<EventLogger['warn']>().toEqualTypeOf<
      ((record: EventRecord, message: string) => unknown) | undefined
    >();
  });

  it('resilientFetch takes correlationId and correlationHeader', () => {
    expectTypeOf<ResilientFetchOptions['correlationId']>().toEqualTypeOf<
      ((url: URL, init: RequestInit | undefined) => string | undefined) | undefined
    >();
    expectTypeOf<ResilientFetchOptions['correlationHeader']>().toEqualTypeOf<string | false | undefined>();
    resilientFetch(retry(), { correlationId: (url) => url.host, correlationHeader: false });
    // @ts-expect-error: true is not a header name
    resilientFetch(retry(), { correlationHeader: true });
  });
});
