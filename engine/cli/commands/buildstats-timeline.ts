/**
 * `tsbake buildstats --svg`: the build as a timeline, after pybootchartgui's process chart:
 * one row per worker slot, one rectangle per task coloured by task name, a time axis in
 * seconds since the first task started, and the recipe written on tasks wide enough to hold
 * it. Pure and deterministic: the same buildstats give the same bytes.
 */
import type { BuildstatsData, TaskStat } from '../../run/buildstats.js';

const CHART_WIDTH = 1000;
const LEFT = 64;
const RIGHT = 24;
const TOP = 48;
const ROW = 20;
const BAR = 16;
const AXIS = 28;
const LEGEND_ROW = 18;
const LEGEND_COLUMN = 190;
/** Average glyph width of the 11px sans-serif labels; decides whether a label fits. */
const CHAR_WIDTH = 6.2;

/** Colours of the tasks every recipe has, in build order along the hue circle. */
const KNOWN_COLOURS: Readonly<Record<string, string>> = {
  do_fetch: '#8dd3c7',
  do_unpack: '#ffffb3',
  do_patch: '#bebada',
  do_configure: '#fb8072',
  do_compile: '#80b1d3',
  do_install: '#fdb462',
  do_populate_sysroot: '#b3de69',
  do_package: '#fccde5',
  do_packagedata: '#d9d9d9',
  do_package_write_deb: '#bc80bd',
  do_package_write_rpm: '#ccebc5',
  do_package_write_ipk: '#ffed6f',
  do_package_write_tar: '#a6cee3',
  do_rootfs: '#e78ac3',
  do_image: '#66c2a5',
};

/** A stable colour for any task name: a fixed one for the common tasks, else one from a hash. */
export function taskColour(task: string): string {
  const known = KNOWN_COLOURS[task];
  if (known !== undefined) return known;
  let h = 0x811c9dc5; // FNV-1a: tiny, and the same on every machine
  for (const byte of Buffer.from(task)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return `hsl(${h % 360},55%,${62 + ((h >>> 9) % 16)}%)`;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? ''};`);
}

/** A tick step from the 1-2-5 series giving at most ~10 ticks over `span` seconds. */
export function tickStep(span: number): number {
  if (!(span > 0)) return 1;
  const raw = span / 10;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function taskRect(s: TaskStat, x: number, w: number, y: number): string {
  const failed = s.outcome === 'failed' || s.outcome === 'interrupted';
  const tip = `${s.pf} ${s.task}: ${(s.ended - s.started).toFixed(2)} s, cpu ${s.cpu.toFixed(2)} s, ${s.outcome}`;
  const stroke = failed ? ' stroke="#d62728" stroke-width="2"' : '';
  let out = `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.max(w, 0.5))}" height="${BAR}" fill="${taskColour(s.task)}"${stroke}><title>${escapeXml(tip)}</title></rect>`;
  const label = `${s.pn} ${s.task}`;
  if (w >= label.length * CHAR_WIDTH + 6) {
    out += `<text x="${num(x + 3)}" y="${num(y + BAR - 4)}" class="label">${escapeXml(label)}</text>`;
  }
  return out;
}

export function renderTimeline(data: BuildstatsData): string {
  const tasks = data.tasks;
  // Spreading thousands of tasks into Math.min would hit the argument limit; reduce does not.
  const origin = tasks.reduce((m, t) => Math.min(m, t.started), tasks[0]?.started ?? data.started);
  const end = tasks.reduce((m, t) => Math.max(m, t.ended), tasks[0]?.ended ?? data.ended);
  const span = Math.max(end - origin, 1e-3);
  const scale = CHART_WIDTH / span;
  const rows = Math.max(data.slots, 1);
  const chartBottom = TOP + rows * ROW;
  const names = [...new Set(tasks.map((t) => t.task))].sort(byBytes);
  const perLine = Math.max(1, Math.floor((CHART_WIDTH + LEFT) / LEGEND_COLUMN));
  const legendTop = chartBottom + AXIS + 8;
  const height = legendTop + Math.ceil(names.length / perLine) * LEGEND_ROW + 8;
  const width = LEFT + CHART_WIDTH + RIGHT;

  const parts: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<style>.label{font-size:11px;fill:#111}.axis{fill:#444}.grid{stroke:#ddd;stroke-width:1}</style>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="14">${escapeXml(`Build ${data.buildId}: ${tasks.length} tasks on ${data.slots} slots, ${span.toFixed(2)} s`)}</text>`,
  ];

  const step = tickStep(span);
  parts.push('<g class="axis">');
  for (let i = 0; i * step <= span + 1e-9; i++) {
    const t = i * step;
    const x = LEFT + t * scale;
    parts.push(`<line class="grid" x1="${num(x)}" y1="${TOP - 4}" x2="${num(x)}" y2="${chartBottom}"/>`);
    parts.push(`<text x="${num(x)}" y="${chartBottom + 16}" text-anchor="middle">${escapeXml(`${Number(t.toPrecision(6))}s`)}</text>`);
  }
  parts.push('</g>');

  for (let slot = 0; slot < rows; slot++) {
    const y = TOP + slot * ROW;
    parts.push(`<g class="slot" data-slot="${slot}">`);
    parts.push(`<text x="${LEFT - 6}" y="${y + BAR - 4}" text-anchor="end" class="axis">slot ${slot}</text>`);
    for (const s of tasks) {
      if (s.slot !== slot) continue;
      parts.push(taskRect(s, LEFT + (s.started - origin) * scale, (s.ended - s.started) * scale, y + (ROW - BAR) / 2));
    }
    parts.push('</g>');
  }

  parts.push('<g class="legend">');
  names.forEach((name, i) => {
    const x = LEFT + (i % perLine) * LEGEND_COLUMN;
    const y = legendTop + Math.floor(i / perLine) * LEGEND_ROW;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${taskColour(name)}"/><text x="${x + 16}" y="${y + 10}">${escapeXml(name)}</text>`);
  });
  parts.push('</g>', '</svg>', '');
  return parts.join('\n');
}
