// The Grafana dashboard queries only series that breakwater/prometheus exports, with its labels.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { INSTRUMENTS, KEY, POLICY_KIND, POLICY_NAME } from '../../src/metrics-spec/index.js';
import { DEFAULT_PREFIX } from '../../src/prometheus/index.js';

interface Panel {
  readonly title: string;
  readonly targets: readonly { readonly expr: string }[];
}

it('every dashboard query names exported metrics and labels', () => {
  const dashboard = JSON.parse(readFileSync(new URL('./grafana-dashboard.json', import.meta.url), 'utf8')) as {
    panels: Panel[];
  };
  const specs = Object.values(INSTRUMENTS);
  const names = new Set(
    specs.flatMap((s) => {
      const name = DEFAULT_PREFIX + s.prometheus;
      return s.type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name];
    }),
  );
  const labels = new Set(
    [POLICY_NAME, POLICY_KIND, KEY, ...specs.flatMap((s) => s.attributes)].map((k) => k.replace(/\./g, '_')),
  );
  labels.add('le');
  expect(dashboard.panels.map((p) => p.title)).toEqual(
    expect.arrayContaining([
      'Circuit breaker state over time',
      'Rejections by reason (per second)',
      'Attempt duration percentiles',
      'Bulkhead saturation',
      'Retry budget',
    ]),
  );
  for (const panel of dashboard.panels) {
    for (const { expr } of panel.targets) {
      for (const [metric] of expr.matchAll(/breakwater_[a-z_]+(?=[{[)\s]|$)/g)) {
        if (labels.has(metric)) continue;
        expect(names, `${panel.title}: ${metric}`).toContain(metric);
      }
      for (const [, list] of expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of (list as string).split(',').map((l) => l.trim()))
          expect(labels, `${panel.title}: label ${label}`).toContain(label);
      }
    }
  }
});
