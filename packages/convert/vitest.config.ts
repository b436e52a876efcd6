import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'convert', include: ['test/**/*.test.ts'] },
});
