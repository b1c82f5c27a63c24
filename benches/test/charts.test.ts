// The page's SVG charts: made by hand, so their scales and shapes are checked here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barChart, lineChart, ticks } from '../charts.js';

test('ticks are round values from zero (or below it) to past the largest value', () => {
  assert.deepEqual(ticks(0, 608), [0, 200, 400, 600, 800]);
  assert.deepEqual(ticks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const below = ticks(-4.7, 168);
  assert.ok(below[0]! <= -4.7 && below.at(-1)! >= 168, `${below}`);
  assert.ok(below.includes(0));
});

test('a line chart draws a line and a legend entry per series, skips missing points, and is the same for the same figures', () => {
  const chart = () => lineChart({
    title: 'Latency <a & b>', xLabels: ['p50', 'p99', 'p99.9'], xTitle: 'percentile', yTitle: 'ms',
    series: [{ name: 'no-op', values: [1, 2, 3], low: [0.5, 1.5, 2.5], high: [1.5, 2.5, 3.5] }, { name: 'filter', values: [2, null, 6] }],
  });
  const svg = chart();
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(svg, /Latency &lt;a &amp; b&gt;/, 'text is escaped');
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.equal(svg.match(/<circle/g)?.length, 5, 'a point for each value present');
  assert.match(svg, />no-op</);
  assert.match(svg, />filter</);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
  assert.equal(chart(), svg);
});

test('a bar chart draws a bar with whiskers per row, the longest for the largest median', () => {
  const svg = barChart({ title: 'CPU', unit: 'µs', bars: [{ label: 'none', median: 100, min: 90, max: 120 }, { label: 'filter', median: 300, min: 250, max: 320 }] });
  const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(widths.length, 2);
  assert.ok(widths[1]! > 2.5 * widths[0]! && widths[1]! < 3.5 * widths[0]!, `${widths}`);
  assert.match(svg, />none</);
  assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
});
