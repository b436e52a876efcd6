import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPythonClosure, DECLARED_REQUIRES, parsePins } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const dir = join(repoRoot, 'images/airflow-base');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');

describe('checkPythonClosure fires', () => {
  const declared = {
    root: ['a>=1,<2', 'b'],
    a: ['c~=2.0.0'],
    b: [],
    c: [],
    pip: [],
    setuptools: [],
    wheel: [],
  };
  const roots = ['root', 'pip', 'setuptools', 'wheel'];
  const base = [
    ['root', '1.0'],
    ['a', '1.5'],
    ['b', '3'],
    ['c', '2.0.12'],
    ['pip', '21.3.1'],
    ['setuptools', '57.5.0'],
    ['wheel', '0.37.1'],
  ] as const;
  const pins = (overrides: Record<string, string | null> = {}) => {
    const m = new Map<string, string>(base);
    for (const [k, v] of Object.entries(overrides)) {
      if (v === null) m.delete(k);
      else m.set(k, v);
    }
    return m;
  };

  it('accepts a closed, in-range, minimal set', () => {
    expect(checkPythonClosure(pins(), declared, roots)).toEqual([]);
  });

  it.each([
    ['a dependency nothing pins', { b: null }, 'root==1.0 requires b, which constraints.txt does not pin'],
    ['a pin outside a declared range', { a: '2.0' }, 'root==1.0 requires a>=1,<2, but a is pinned at 2.0'],
    [
      'a compatible-release range broken',
      { c: '2.1.0' },
      'a==1.5 requires c~=2.0.0, but c is pinned at 2.1.0',
    ],
    ['a pin nothing needs', { stray: '1.0' }, 'stray==1.0: its install_requires are not written down'],
    ['a root missing', { wheel: null }, 'the root wheel is not pinned'],
  ])('%s', (_label, overrides, message) => {
    expect(checkPythonClosure(pins(overrides), declared, roots).join('\n')).toContain(message);
  });

  it('flags a pin that is written down but unreachable from the roots', () => {
    const out = checkPythonClosure(pins({ orphan: '1.0' }), { ...declared, orphan: [] }, roots);
    expect(out).toEqual(['orphan==1.0 is pinned but nothing in the closure requires it']);
  });
});

describe('the hash locks mirror the constraints files', () => {
  const entries = (text: string) =>
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const [pin, ...rest] = l.split(' ');
        return { pin: pin!, hashes: rest };
      });
  const pinsOf = (text: string) =>
    text
      .split('\n')
      .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
      .filter(Boolean);

  it.each([
    ['constraints.txt', 'requirements.lock'],
    ['build-constraints.txt', 'build-requirements.lock'],
  ])('%s → %s: same pins, same order; hashes on every line or the lock says pending', (source, lock) => {
    const text = read(lock);
    const locked = entries(text);
    expect(locked.map((e) => e.pin)).toEqual(pinsOf(read(source)));
    expect(text.split('\n')[0]).toContain(`Generated from ${source} by images/airflow-base/lock.mjs`);
    const pending = /^# hashes: pending/m.test(text);
    for (const e of locked) {
      if (pending) expect(e.hashes).toEqual([]);
      else {
        expect(e.hashes.length, e.pin).toBeGreaterThan(0);
        for (const h of e.hashes) expect(h).toMatch(/^--hash=sha256:[0-9a-f]{64}$/);
      }
    }
  });

  it('keeps pip 9.0.3 out of the image closure (build-only)', () => {
    expect(parsePins(read('build-constraints.txt'))).toEqual(new Map([['pip', '9.0.3']]));
    expect(parsePins(read('constraints.txt')).get('pip')).toBe('21.3.1');
  });

  it('writes down the requirements of exactly the pinned releases (no stale entries)', () => {
    const pinned = [...parsePins(read('constraints.txt')).keys()].sort();
    expect(Object.keys(DECLARED_REQUIRES).sort()).toEqual(pinned);
  });
});
