/**
 * docs/benchmarks.svg, drawn by hand from one run's results: cold start, synth time, synth memory,
 * deploy throughput, and Pocket-ID requests per operation against the minimum.
 */
import { BenchResults } from '../results';

const WIDTH = 1000;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const COLORS = {
  pocketId: '#2563eb',
  floor: '#f59e0b',
  baseline: '#9ca3af',
  reference: '#f59e0b',
  minimum: '#d1d5db',
  excess: '#dc2626',
  axis: '#6b7280',
  text: '#111827',
};

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export function renderChart(results: BenchResults): string {
  const operations = results.calls.operations;
  const callsHeight = 70 + operations.length * 18;
  const height = 40 + 300 + 30 + 300 + 30 + callsHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(20, 26, `cdk-pocket-id benchmarks: ${results.machine.cores} cores, ${results.machine.cpuModel}, Node.js ${results.machine.nodeVersion}, ${results.machine.date}`, { size: 15, weight: 'bold' }),
    coldStartPanel(results, { x: 20, y: 40, w: 470, h: 300 }),
    synthTimePanel(results, { x: 510, y: 40, w: 470, h: 300 }),
    synthMemoryPanel(results, { x: 20, y: 370, w: 470, h: 300 }),
    throughputPanel(results, { x: 510, y: 370, w: 470, h: 300 }),
    callsPanel(results, { x: 20, y: 700, w: 960, h: callsHeight }),
    '</svg>',
    '',
  ];
  return parts.join('\n');
}

function coldStartPanel({ coldStart }: BenchResults, box: Box): string {
  const kind = (id: string) => coldStart.kinds.find((k) => k.id === id)!;
  const bars = [
    { label: 'empty handler (baseline)', median: kind('empty').total.median, p90: kind('empty').total.p90, color: COLORS.baseline },
    { label: 'empty + SDK client, runtime-style', median: kind('sdk').total.median, p90: kind('sdk').total.p90, color: COLORS.reference },
    { label: 'cdk-pocket-id: Delete of a lookup', median: kind('handler').total.median, p90: kind('handler').total.p90, color: COLORS.pocketId },
    { label: 'first Create, local servers', median: coldStart.realistic.total.median, p90: coldStart.realistic.total.p90, color: '#93c5fd' },
  ];
  return horizontalBars(box, 'Cold start: load + first event, fresh process', bars, 'ms (bar: median, whisker: p90)');
}

const SYNTH_LEGEND = [
  { label: 'Pocket-ID', color: COLORS.pocketId },
  { label: 'SSM + Provider floor', color: COLORS.floor },
  { label: 'ssm.StringParameter', color: COLORS.baseline },
];

function synthTimePanel({ synth }: BenchResults, box: Box): string {
  const points = (pick: (s: typeof synth.sizes[number]) => number) => synth.sizes.map((s) => [s.entities, pick(s)] as [number, number]);
  // The floor runs close under Pocket-ID at small sizes: values above the top line's points and under the
  // others' keep neighbouring lines from writing over each other's values.
  const series: Series[] = [
    { ...SYNTH_LEGEND[0], points: points((s) => s.pocketId.totalMs) },
    { ...SYNTH_LEGEND[1], points: points((s) => s.floor.totalMs), valuesBelow: true },
    { ...SYNTH_LEGEND[2], points: points((s) => s.ssm.totalMs), valuesBelow: true },
  ];
  return lineChart(box, 'Synth time (ms, median) against entities', series, 'ms', {
    caption: 'entities (below: Pocket-ID ÷ SSM, Pocket-ID ÷ floor)',
    notes: synth.sizes.map((s) => [`×${s.timeRatio.toFixed(2)} SSM`, `×${s.ratioToFloor.toFixed(2)} floor`]),
  });
}

function synthMemoryPanel({ synth }: BenchResults, box: Box): string {
  const groups = synth.sizes.map((s) => ({
    label: `${s.entities}`,
    bars: [
      { value: s.pocketId.maxRssMb, color: COLORS.pocketId },
      { value: s.floor.maxRssMb, color: COLORS.floor },
      { value: s.ssm.maxRssMb, color: COLORS.baseline },
    ],
  }));
  return groupedBars(box, 'Synth peak memory (maxRSS, MB) by entities', groups, SYNTH_LEGEND, 'MB');
}

function throughputPanel({ throughput }: BenchResults, box: Box): string {
  const groups = throughput.sizes.map(({ users, limited, unlimited }) => ({
    label: `${users} users`,
    bars: [
      { value: limited.wallSeconds, color: COLORS.pocketId },
      { value: limited.boundSeconds, color: COLORS.reference },
      { value: unlimited.wallSeconds, color: COLORS.baseline },
    ],
  }));
  return groupedBars(box, 'Deploy throughput: wall time (s); rate limit 100/s, burst 300', groups, [
    { label: 'rate limited', color: COLORS.pocketId },
    { label: 'rate-limit bound', color: COLORS.reference },
    { label: 'no rate limit', color: COLORS.baseline },
  ], 's');
}

function callsPanel({ calls }: BenchResults, box: Box): string {
  const title = 'Calls per operation, warm container: Pocket-ID requests + Secrets Manager calls, handler against the minimum';
  const out = [text(box.x, box.y + 14, title, { size: 13, weight: 'bold' })];
  const labelWidth = 330;
  const rows = calls.operations.map((o) => ({
    label: `${o.resource}: ${o.label}`,
    actual: o.warm.pocketId.length + o.warm.secrets.length,
    minimum: o.minimumPocketId.length + o.minimumSecrets.length,
  }));
  const plot = { x: box.x + labelWidth, y: box.y + 50, w: box.w - labelWidth - 40 };
  const max = Math.max(1, ...rows.map((r) => Math.max(r.actual, r.minimum)));
  const unit = plot.w / max;
  out.push(legend(box.x + labelWidth, box.y + 32, [
    { label: 'minimum', color: COLORS.minimum },
    { label: 'handler, at the minimum', color: COLORS.pocketId },
    { label: 'handler, above it', color: COLORS.excess },
  ]));
  for (let tick = 0; tick <= max; tick++) {
    const x = plot.x + tick * unit;
    out.push(line(x, plot.y - 4, x, plot.y + rows.length * 18, '#e5e7eb'));
    out.push(text(x, plot.y + rows.length * 18 + 14, String(tick), { anchor: 'middle', color: COLORS.axis }));
  }
  rows.forEach((row, index) => {
    const y = plot.y + index * 18;
    out.push(text(plot.x - 8, y + 12, row.label, { anchor: 'end' }));
    out.push(rect(plot.x, y + 1, row.minimum * unit, 15, COLORS.minimum));
    out.push(rect(plot.x, y + 5, row.actual * unit, 7, row.actual > row.minimum ? COLORS.excess : COLORS.pocketId));
    out.push(text(plot.x + Math.max(row.actual, row.minimum) * unit + 6, y + 12, `${row.actual} / ${row.minimum}`, { color: COLORS.axis }));
  });
  return out.join('\n');
}

interface Bar {
  readonly label: string;
  readonly median: number;
  readonly p90: number;
  readonly color: string;
}

interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: Array<[number, number]>;
  /** Write the values under the points rather than above, where a neighbouring series would overlap them. */
  readonly valuesBelow?: boolean;
}

/** Lines of text under each x value, and the axis caption under them. */
interface XAxisNotes {
  readonly caption: string;
  readonly notes: string[][];
}

function horizontalBars(box: Box, title: string, bars: Bar[], unitLabel: string): string {
  const out = [text(box.x, box.y + 14, title, { size: 13, weight: 'bold' })];
  const labelWidth = 200;
  const plot = { x: box.x + labelWidth, y: box.y + 40, w: box.w - labelWidth - 60, h: box.h - 80 };
  const max = niceMax(Math.max(...bars.map((b) => b.p90)));
  const scale = plot.w / max;
  const row = plot.h / bars.length;
  for (const tick of ticks(max)) {
    const x = plot.x + tick * scale;
    out.push(line(x, plot.y, x, plot.y + plot.h, '#e5e7eb'));
    out.push(text(x, plot.y + plot.h + 14, `${tick}`, { anchor: 'middle', color: COLORS.axis }));
  }
  out.push(text(plot.x + plot.w, plot.y + plot.h + 28, unitLabel, { anchor: 'end', color: COLORS.axis }));
  bars.forEach((bar, index) => {
    const y = plot.y + index * row + row * 0.2;
    const h = row * 0.6;
    out.push(text(plot.x - 8, y + h / 2 + 4, bar.label, { anchor: 'end' }));
    out.push(rect(plot.x, y, bar.median * scale, h, bar.color));
    const whiskerX = plot.x + bar.p90 * scale;
    out.push(line(plot.x + bar.median * scale, y + h / 2, whiskerX, y + h / 2, COLORS.text));
    out.push(line(whiskerX, y + h / 4, whiskerX, y + (3 * h) / 4, COLORS.text));
    out.push(text(whiskerX + 6, y + h / 2 + 4, bar.median.toFixed(1), { color: COLORS.text }));
  });
  return out.join('\n');
}

function lineChart(box: Box, title: string, series: Series[], unitLabel: string, axis: XAxisNotes): string {
  const out = [text(box.x, box.y + 14, title, { size: 13, weight: 'bold' })];
  const noteLines = Math.max(0, ...axis.notes.map((lines) => lines.length));
  const plot = { x: box.x + 50, y: box.y + 50, w: box.w - 70, h: box.h - 86 - 14 * noteLines };
  const maxX = Math.max(...series.flatMap((s) => s.points.map((p) => p[0])));
  const maxY = niceMax(Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))));
  const px = (x: number) => plot.x + (x / maxX) * plot.w;
  const py = (y: number) => plot.y + plot.h - (y / maxY) * plot.h;
  out.push(legend(plot.x, box.y + 32, series.map((s) => ({ label: s.label, color: s.color }))));
  for (const tick of ticks(maxY)) {
    out.push(line(plot.x, py(tick), plot.x + plot.w, py(tick), '#e5e7eb'));
    out.push(text(plot.x - 6, py(tick) + 4, `${tick}`, { anchor: 'end', color: COLORS.axis }));
  }
  out.push(text(plot.x - 6, plot.y - 10, unitLabel, { anchor: 'end', color: COLORS.axis }));
  const xs = series[0].points.map((p) => p[0]);
  xs.forEach((x, index) => {
    out.push(text(px(x), plot.y + plot.h + 14, String(x), { anchor: 'middle', color: COLORS.axis }));
    (axis.notes[index] ?? []).forEach((note, row) => {
      out.push(text(px(x), plot.y + plot.h + 28 + 14 * row, note, { anchor: 'middle', color: COLORS.pocketId }));
    });
  });
  out.push(text(plot.x + plot.w, plot.y + plot.h + 28 + 14 * noteLines, axis.caption, { anchor: 'end', color: COLORS.axis }));
  out.push(line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, COLORS.axis));
  out.push(line(plot.x, plot.y, plot.x, plot.y + plot.h, COLORS.axis));
  for (const s of series) {
    const path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    s.points.forEach((p, index) => {
      out.push(`<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
      const first = index === 0;
      const y = s.valuesBelow ? py(p[1]) + 16 : py(p[1]) - 8;
      out.push(text(px(p[0]) + (first ? 6 : 0), y, p[1].toFixed(0), { anchor: first ? 'start' : 'middle', color: s.color }));
    });
  }
  return out.join('\n');
}

function groupedBars(
  box: Box,
  title: string,
  groups: Array<{ label: string; bars: Array<{ value: number; color: string }> }>,
  legendItems: Array<{ label: string; color: string }>,
  unitLabel: string,
): string {
  const out = [text(box.x, box.y + 14, title, { size: 13, weight: 'bold' })];
  const plot = { x: box.x + 50, y: box.y + 50, w: box.w - 70, h: box.h - 90 };
  const maxY = niceMax(Math.max(...groups.flatMap((g) => g.bars.map((b) => b.value))));
  const py = (y: number) => plot.y + plot.h - (y / maxY) * plot.h;
  out.push(legend(plot.x, box.y + 32, legendItems));
  for (const tick of ticks(maxY)) {
    out.push(line(plot.x, py(tick), plot.x + plot.w, py(tick), '#e5e7eb'));
    out.push(text(plot.x - 6, py(tick) + 4, `${tick}`, { anchor: 'end', color: COLORS.axis }));
  }
  out.push(text(plot.x - 6, plot.y - 10, unitLabel, { anchor: 'end', color: COLORS.axis }));
  out.push(line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, COLORS.axis));
  const groupWidth = plot.w / groups.length;
  groups.forEach((group, gi) => {
    const barWidth = (groupWidth * 0.7) / group.bars.length;
    const start = plot.x + gi * groupWidth + groupWidth * 0.15;
    group.bars.forEach((bar, bi) => {
      const x = start + bi * barWidth;
      out.push(rect(x, py(bar.value), barWidth - 2, plot.y + plot.h - py(bar.value), bar.color));
      out.push(text(x + barWidth / 2 - 1, py(bar.value) - 4, formatValue(bar.value), { anchor: 'middle', color: COLORS.text, size: 11 }));
    });
    out.push(text(plot.x + gi * groupWidth + groupWidth / 2, plot.y + plot.h + 16, group.label, { anchor: 'middle', color: COLORS.axis }));
  });
  return out.join('\n');
}

function legend(x: number, y: number, items: Array<{ label: string; color: string }>): string {
  const out: string[] = [];
  let cursor = x;
  for (const item of items) {
    out.push(rect(cursor, y - 9, 10, 10, item.color));
    out.push(text(cursor + 14, y, item.label, { color: COLORS.axis, size: 11 }));
    cursor += 26 + item.label.length * 7;
  }
  return out.join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `value`. */
function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

function ticks(max: number): number[] {
  const step = max / 5;
  return Array.from({ length: 6 }, (_, i) => Number((i * step).toPrecision(6)));
}

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

function rect(x: number, y: number, w: number, h: number, fill: string): string {
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${stroke}" stroke-width="1"/>`;
}

function text(x: number, y: number, content: string, options: { anchor?: 'start' | 'middle' | 'end'; size?: number; weight?: string; color?: string } = {}): string {
  const attributes = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    `fill="${options.color ?? COLORS.text}"`,
    options.anchor ? `text-anchor="${options.anchor}"` : '',
    options.size ? `font-size="${options.size}"` : '',
    options.weight ? `font-weight="${options.weight}"` : '',
  ].filter(Boolean).join(' ');
  return `<text ${attributes}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
