// The predicates behind breakwater/pg's classification, and the defaults they
// stand for. No server needed: errors are shaped as pg raises them.
import { describe, expect, it } from 'vitest';
import { BulkheadRejectedError, TimeoutError } from 'breakwater';
import {
  CANCEL_GRACE_MS,
  CLIENT_ERROR_CLASSES,
  isPgClientError,
  isPgNotSent,
  isPgRolledBack,
  NOT_SENT_CODES,
  ROLLED_BACK_CODES,
} from '../../src/pg/index.js';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('breakwater/pg classification', () => {
  it('pins the defaults', () => {
    expect(CLIENT_ERROR_CLASSES).toEqual(['22', '23']);
    expect(ROLLED_BACK_CODES).toEqual(['40001', '40P01']);
    expect(NOT_SENT_CODES).toEqual([
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      '57P03',
      '53300',
      '08001',
      '08004',
    ]);
    expect(CANCEL_GRACE_MS).toBe(1_000);
    expect(Object.isFrozen(NOT_SENT_CODES)).toBe(true);
  });

  it('isPgClientError: class 22 (bad data) and 23 (constraint violations) only', () => {
    for (const code of ['22P02', '22001', '22012', '23505', '23503', '23502', '23514'])
      expect(isPgClientError(withCode(code))).toBe(true);
    for (const code of [
      '40001',
      '40P01',
      '08006',
      '57P01',
      '57014',
      '42P01',
      '53300',
      'ECONNREFUSED',
      '2350',
      '235055',
      '',
    ]) {
      expect(isPgClientError(withCode(code))).toBe(false);
    }
    for (const value of [undefined, null, 'boom', 23505, {}, { code: 23505 }])
      expect(isPgClientError(value)).toBe(false);
  });

  it('isPgRolledBack: serialization failure and deadlock', () => {
    expect(isPgRolledBack(withCode('40001'))).toBe(true);
    expect(isPgRolledBack(withCode('40P01'))).toBe(true);
    for (const code of ['40002', '40003', '23505', '08006', '57P01'])
      expect(isPgRolledBack(withCode(code))).toBe(false);
    expect(isPgRolledBack(undefined)).toBe(false);
  });

  it('isPgNotSent: connection-phase errors and executed === false; class 08 and 57P0x mid-statement are not proof', () => {
    for (const code of NOT_SENT_CODES) expect(isPgNotSent(withCode(code))).toBe(true);
    expect(isPgNotSent(Object.assign(new Error('x'), { executed: false }))).toBe(true);
    expect(isPgNotSent(new BulkheadRejectedError('full'))).toBe(true);
    expect(isPgNotSent(new TimeoutError(100))).toBe(false);
    for (const code of ['ECONNRESET', 'EPIPE', '08006', '08003', '57P01', '57P02', '40001', '23505'])
      expect(isPgNotSent(withCode(code))).toBe(false);
    expect(isPgNotSent(Object.assign(new Error('x'), { executed: true }))).toBe(false);
    expect(isPgNotSent(null)).toBe(false);
  });
});
