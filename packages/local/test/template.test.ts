import { describe, expect, it } from 'vitest';
import { substitute, TemplateError } from '../src/index.js';

const opts = { clock: () => Date.UTC(2026, 10, 20), where: 'spec.templates[0].container.args[0]' };

describe('substitute (tag grammar from @data-pipeline/argo-tags)', () => {
  it('resolves simple and expression tags; Jinja and other non-Argo tags stay byte for byte', () => {
    const scope = { 'inputs.parameters.n': '41', item: 'a' };
    expect(
      substitute(
        '{{ inputs.parameters.n }}/{{=asInt(inputs.parameters.n) + 1}}/{{item}}/{{  ds_nodash}}',
        scope,
        opts,
      ),
    ).toBe('41/42/a/{{  ds_nodash}}');
    // `items` is not an Argo root (only `item` and `item.…` are): left for the operator, as Argo does
    expect(substitute('{{ items }} {{ never closed', scope, opts)).toBe('{{ items }} {{ never closed');
  });

  it('an unresolved Argo variable is an error naming the tag as written', () => {
    expect(() => substitute('x {{ workflow.parameters.nope }}', {}, opts)).toThrow(TemplateError);
    expect(() => substitute('x {{ workflow.parameters.nope }}', {}, opts)).toThrow(
      `${opts.where}: failed to resolve {{ workflow.parameters.nope }}`,
    );
  });
});
