import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'argo-tags', include: ['test/**/*.test.ts'] },
});
