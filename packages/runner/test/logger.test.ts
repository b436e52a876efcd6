import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { Redactor } from '../src/stream.js';

function capture() {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return { stdout, text: () => text };
}

describe('createLogger', () => {
  it('writes records queued before pino loaded ahead of child output written meanwhile, then in order', async () => {
    const { stdout, text } = capture();
    const logging = createLogger({
      stdout,
      pretty: false,
      redactor: new Redactor(['s3cr3t']),
      fields: { task_id: 't' },
    });
    logging.log.info('first', { password: 's3cr3t' });
    logging.out.write('child line 1\n');
    await logging.start();
    logging.out.write('child line 2\n');
    logging.log.child({ src: 'native' }).warn('second');
    await logging.close();
    const lines = text().trimEnd().split('\n');
    expect(lines[0] && JSON.parse(lines[0])).toMatchObject({
      level: 30,
      task_id: 't',
      msg: 'first',
      password: '***',
    });
    expect(lines.slice(1, 3)).toEqual(['child line 1', 'child line 2']);
    expect(lines[3] && JSON.parse(lines[3])).toMatchObject({ level: 40, src: 'native', msg: 'second' });
    expect(text()).not.toContain('s3cr3t');
  });
});
