import { describe, expect, it } from 'vitest';
import { bqCast, floatRepr, PyInt, pyFloat, pyRepr, pyStr, truthy } from '../src/python.js';

describe('1.8.2 _bq_cast + Python semantics', () => {
  it('casts like _bq_cast', () => {
    expect(bqCast('5', 'INTEGER')).toEqual(new PyInt(5n));
    expect(bqCast('1.5', 'FLOAT')).toBe(1.5);
    expect(bqCast('true', 'BOOLEAN')).toBe(true);
    expect(bqCast('false', 'BOOLEAN')).toBe(false);
    expect(bqCast('x', 'STRING')).toBe('x');
    expect(bqCast(null, 'STRING')).toBeNull();
    expect(bqCast('1.5E9', 'TIMESTAMP')).toEqual(new PyInt(1500000000n));
  });
  it.each([
    [null, false],
    [new PyInt(0n), false],
    [new PyInt(3n), true],
    [0, false],
    [0.1, true],
    ['', false],
    ['0', true],
    [false, false],
    [[], false],
    [['a'], true],
  ])('bool(%j) = %s', (v, t) => expect(truthy(v as never)).toBe(t));
  it.each([
    [['20180109'], "['20180109']"],
    [[null, new PyInt(0n), true, 1.0, 2.5], '[None, 0, True, 1.0, 2.5]'],
    [["it's"], '["it\'s"]'],
    [['a\nb\\'], "['a\\nb\\\\']"],
  ])('repr %j', (v, r) => expect(pyRepr(v as never)).toBe(r));
  it('float repr and str', () => {
    expect(floatRepr(1e16)).toBe('1e+16');
    expect(floatRepr(0.00001)).toBe('1e-05');
    expect(floatRepr(42)).toBe('42.0');
    expect(pyStr('x')).toBe('x');
    expect(pyStr(new PyInt(7n))).toBe('7');
  });
  it('float() accepts what Python accepts', () => {
    expect(pyFloat(' 1e3 ')).toBe(1000);
    expect(pyFloat('abc')).toBeUndefined();
    expect(pyFloat(null)).toBeUndefined();
    expect(pyFloat(true)).toBe(1);
  });
});
