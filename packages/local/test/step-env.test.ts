import { describe, expect, it } from 'vitest';
import { stepEnv } from '../src/index.js';

describe('stepEnv: the environment every step of dp run starts from', () => {
  it('--engine airflow: the caller machine cache becomes the steps XDG_CACHE_HOME (their HOME is the pod)', () => {
    expect(stepEnv('airflow', { PATH: '/bin', HOME: '/home/me' })).toEqual({
      PATH: '/bin',
      HOME: '/home/me',
      XDG_CACHE_HOME: '/home/me/.cache',
    });
  });

  it('an XDG_CACHE_HOME the caller set is kept as it is', () => {
    expect(stepEnv('airflow', { HOME: '/home/me', XDG_CACHE_HOME: '/var/cache/me' }).XDG_CACHE_HOME).toBe(
      '/var/cache/me',
    );
  });

  it('no absolute HOME: no cache to name (the runner then runs initdb, as it does without HOME)', () => {
    expect(stepEnv('airflow', { PATH: '/bin' })).toEqual({ PATH: '/bin' });
    expect(stepEnv('airflow', { HOME: 'relative' })).toEqual({ HOME: 'relative' });
  });

  it('--engine native: unchanged', () => {
    expect(stepEnv('native', { HOME: '/home/me' })).toEqual({ HOME: '/home/me' });
  });

  it('never changes the caller object', () => {
    const base = { HOME: '/home/me' };
    stepEnv('airflow', base);
    expect(base).toEqual({ HOME: '/home/me' });
  });
});
