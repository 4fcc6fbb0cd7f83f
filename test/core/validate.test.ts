import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  integerAtLeast,
  isBoolean,
  isClock,
  isFunction,
  nonEmptyString,
  nonNegativeFinite,
  numberInRange,
  oneOf,
  optionsObject,
  positiveFinite,
} from '../../src/core/validate.js';
import { VirtualClock } from '../../src/testing/index.js';

/** Expects `fn` to throw exactly this error type and message. */
function throwsExactly(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  expect((caught as Error).message).toBe(message);
}

describe('describe (values in messages)', () => {
  it.each([
    ['x', '"x"'],
    [5n, '5n'],
    [() => 1, 'a function'],
    [[1], 'an array'],
    [null, 'null'],
    [{}, 'an object'],
    [undefined, 'undefined'],
    [NaN, 'NaN'],
    [true, 'true'],
  ])('renders %s as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe('number validators', () => {
  it('positiveFinite', () => {
    expect(positiveFinite('p', 'o', 0.5)).toBe(0.5);
    throwsExactly(() => positiveFinite('p', 'o', 0), RangeError, 'p: o must be a positive finite number, got 0');
    throwsExactly(
      () => positiveFinite('p', 'o', Infinity),
      RangeError,
      'p: o must be a positive finite number, got Infinity',
    );
    throwsExactly(() => positiveFinite('p', 'o', '1'), TypeError, 'p: o must be a positive finite number, got "1"');
  });

  it('nonNegativeFinite', () => {
    expect(nonNegativeFinite('p', 'o', 0)).toBe(0);
    throwsExactly(() => nonNegativeFinite('p', 'o', -1), RangeError, 'p: o must be a finite number >= 0, got -1');
    throwsExactly(() => nonNegativeFinite('p', 'o', NaN), RangeError, 'p: o must be a finite number >= 0, got NaN');
    throwsExactly(
      () => nonNegativeFinite('p', 'o', Infinity),
      RangeError,
      'p: o must be a finite number >= 0, got Infinity',
    );
    throwsExactly(() => nonNegativeFinite('p', 'o', null), TypeError, 'p: o must be a finite number >= 0, got null');
  });

  it('integerAtLeast, with and without Infinity', () => {
    expect(integerAtLeast('p', 'o', 3, 1)).toBe(3);
    expect(integerAtLeast('p', 'o', 1, 1)).toBe(1);
    expect(integerAtLeast('p', 'o', Infinity, 1, true)).toBe(Infinity);
    throwsExactly(
      () => integerAtLeast('p', 'o', Infinity, 1),
      RangeError,
      'p: o must be an integer >= 1, got Infinity',
    );
    throwsExactly(
      () => integerAtLeast('p', 'o', 0, 1, true),
      RangeError,
      'p: o must be an integer >= 1, or Infinity, got 0',
    );
    throwsExactly(() => integerAtLeast('p', 'o', 1.5, 1), RangeError, 'p: o must be an integer >= 1, got 1.5');
    throwsExactly(() => integerAtLeast('p', 'o', 5.5, 1), RangeError, 'p: o must be an integer >= 1, got 5.5');
    throwsExactly(
      () => integerAtLeast('p', 'o', -Infinity, 0, true),
      RangeError,
      'p: o must be an integer >= 0, or Infinity, got -Infinity',
    );
    throwsExactly(() => integerAtLeast('p', 'o', '2', 0), TypeError, 'p: o must be an integer >= 0, got "2"');
  });

  it('numberInRange, closed and half-open', () => {
    expect(numberInRange('p', 'o', 0, 0, 1)).toBe(0);
    expect(numberInRange('p', 'o', 1, 0, 1)).toBe(1);
    expect(numberInRange('p', 'o', 1, 0, 1, true)).toBe(1);
    throwsExactly(() => numberInRange('p', 'o', 0, 0, 1, true), RangeError, 'p: o must be a number in (0, 1], got 0');
    throwsExactly(() => numberInRange('p', 'o', 1.5, 0, 1), RangeError, 'p: o must be a number in [0, 1], got 1.5');
    throwsExactly(() => numberInRange('p', 'o', -0.1, 0, 1), RangeError, 'p: o must be a number in [0, 1], got -0.1');
    throwsExactly(() => numberInRange('p', 'o', NaN, 0, 1), RangeError, 'p: o must be a number in [0, 1], got NaN');
    throwsExactly(() => numberInRange('p', 'o', 'x', 0, 1), TypeError, 'p: o must be a number in [0, 1], got "x"');
  });
});

describe('other validators', () => {
  it('oneOf', () => {
    expect(oneOf('p', 'o', 'a', ['a', 'b'])).toBe('a');
    throwsExactly(() => oneOf('p', 'o', 'c', ['a', 'b']), RangeError, 'p: o must be one of "a", "b", got "c"');
    throwsExactly(() => oneOf('p', 'o', 1, ['a']), TypeError, 'p: o must be one of "a", got 1');
  });

  it('isFunction, isBoolean, nonEmptyString', () => {
    const f = (): number => 1;
    expect(isFunction('p', 'o', f)).toBe(f);
    throwsExactly(() => isFunction('p', 'o', 1), TypeError, 'p: o must be a function, got 1');
    expect(isBoolean('p', 'o', false)).toBe(false);
    expect(isBoolean('p', 'o', true)).toBe(true);
    throwsExactly(() => isBoolean('p', 'o', 0), TypeError, 'p: o must be a boolean, got 0');
    expect(nonEmptyString('p', 'o', 'n')).toBe('n');
    throwsExactly(() => nonEmptyString('p', 'o', ''), TypeError, 'p: o must be a non-empty string, got ""');
    throwsExactly(() => nonEmptyString('p', 'o', 1), TypeError, 'p: o must be a non-empty string, got 1');
  });

  it('optionsObject', () => {
    expect(optionsObject('p', undefined, {})).toEqual({});
    const o = { a: 1 };
    expect(optionsObject('p', o, { a: true } as never)).toBe(o);
    throwsExactly(() => optionsObject('p', null, {}), TypeError, 'p: options must be an object, got null');
    throwsExactly(() => optionsObject('p', [], {}), TypeError, 'p: options must be an object, got an array');
    throwsExactly(() => optionsObject('p', 'x', {}), TypeError, 'p: options must be an object, got "x"');
  });

  it('isClock needs now, setTimeout and clearTimeout', () => {
    const clock = new VirtualClock();
    expect(isClock('p', clock)).toBe(clock);
    const fn = (): number => 0;
    const message = 'p: clock must be an object with now, setTimeout and clearTimeout, got ';
    throwsExactly(() => isClock('p', null), TypeError, `${message}null`);
    throwsExactly(() => isClock('p', fn), TypeError, `${message}a function`);
    throwsExactly(() => isClock('p', { setTimeout: fn, clearTimeout: fn }), TypeError, `${message}an object`);
    throwsExactly(() => isClock('p', { now: fn, clearTimeout: fn }), TypeError, `${message}an object`);
    throwsExactly(() => isClock('p', { now: fn, setTimeout: fn }), TypeError, `${message}an object`);
  });
});
