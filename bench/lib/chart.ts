/**
 * Draws the results as an SVG of horizontal bars: one block per group, two bars per
 * server (/read and /inc), scaled to the group's fastest figure so groups with very
 * different speeds (memory vs SQL) each fill the width. Hand-written SVG, no dependency.
 */
import { perSecond, times } from './format.js';
import { baselineOf, endpoints, groupBy, type Results, ratio } from './results.js';

const width = 960;
const labelWidth = 250;
const barArea = 470;
const barHeight = 14;
const rowGap = 6;
const colors = { read: '#4e79a7', inc: '#f28e2b', micro: '#59a14f', failed: '#c0392b', text: '#222', muted: '#666' };

interface Bar {
  label: string;
  bold: boolean;
  bars: { value: number; color: string; text: string }[];
  failed?: string;
}

interface Block {
  title: string;
  rows: Bar[];
}

export function renderChart(results: Results): string {
  const blocks = [...httpBlocks(results), ...microBlocks(results)];
  const parts: string[] = [];
  let y = 30;
  parts.push(text(12, y, 'sessionkit benchmarks: bars scaled to each group’s fastest', { size: 16, weight: 'bold' }));
  y += 22;
  parts.push(legend(12, y));
  y += 20;
  for (const block of blocks) {
    y += 18;
    parts.push(text(12, y, block.title, { size: 14, weight: 'bold' }));
    y += 10;
    const max = Math.max(1, ...block.rows.flatMap((r) => r.bars.map((b) => b.value)));
    for (const row of block.rows) {
      const rowHeight = Math.max(1, row.bars.length) * (barHeight + 2);
      parts.push(
        text(labelWidth - 8, y + rowHeight / 2 + 4, row.label, { anchor: 'end', weight: row.bold ? 'bold' : 'normal' }),
      );
      if (row.failed) {
        parts.push(
          text(labelWidth, y + rowHeight / 2 + 4, `failed: ${row.failed.slice(0, 90)}`, { color: colors.failed }),
        );
      }
      row.bars.forEach((bar, i) => {
        const barY = y + i * (barHeight + 2);
        const w = Math.max(1, (bar.value / max) * barArea);
        parts.push(
          `<rect x="${labelWidth}" y="${barY}" width="${w.toFixed(1)}" height="${barHeight}" fill="${bar.color}"/>`,
        );
        parts.push(text(labelWidth + w + 6, barY + barHeight - 3, bar.text, { size: 11, color: colors.muted }));
      });
      y += rowHeight + rowGap;
    }
  }
  if (blocks.length === 0) parts.push(text(12, (y += 20), 'No results yet: run npm run bench.'));
  const height = y + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" role="img">`,
    '<title>sessionkit benchmarks: req/s per server and ops/s per micro-benchmark, by group</title>',
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function httpBlocks(results: Results): Block[] {
  return results.groups.map((run) => {
    const base = baselineOf(run);
    return {
      title: `${run.group} — req/s${run.quick ? ' (smoke run)' : ''}`,
      rows: run.servers.map((s) => ({
        label: s.baseline ? `${s.server} (baseline)` : s.server,
        bold: s.baseline,
        failed: s.failed,
        bars: endpoints.flatMap((e) => {
          const r = s[e];
          return r
            ? [{ value: r.rps, color: colors[e], text: `/${e} ${perSecond(r.rps)} · ${times(ratio(s, base, e))}` }]
            : [];
        }),
      })),
    };
  });
}

function microBlocks(results: Results): Block[] {
  return results.micro.flatMap((run) =>
    [...groupBy(run.entries)].map(([group, entries]) => ({
      title: `${group} — ops/s (bench/micro/${run.file}.ts)${run.quick ? ' (smoke run)' : ''}`,
      rows: entries.map((e) => ({
        label: e.name,
        bold: e === entries[0],
        bars: [
          {
            value: e.opsPerSec,
            color: colors.micro,
            text: `${perSecond(e.opsPerSec)} · ${times(e.opsPerSec / entries[0]!.opsPerSec)}`,
          },
        ],
      })),
    })),
  );
}

function legend(x: number, y: number): string {
  const item = (dx: number, color: string, label: string) =>
    `<rect x="${x + dx}" y="${y - 10}" width="12" height="12" fill="${color}"/>${text(x + dx + 16, y, label, { size: 12 })}`;
  return [
    item(0, colors.read, 'GET /read (no session write)'),
    item(220, colors.inc, 'GET /inc (read, change, save)'),
    item(440, colors.micro, 'micro-benchmark ops/s'),
    text(620, y, 'labels: rate · ratio to baseline / first entry', { size: 12, color: colors.muted }),
  ].join('');
}

interface TextStyle {
  size?: number;
  weight?: 'bold' | 'normal';
  anchor?: 'start' | 'end';
  color?: string;
}

function text(x: number, y: number, content: string, style: TextStyle = {}): string {
  const attrs = [
    `x="${x.toFixed(1)}"`,
    `y="${y.toFixed(1)}"`,
    `font-size="${style.size ?? 13}"`,
    style.weight === 'bold' ? 'font-weight="bold"' : '',
    style.anchor === 'end' ? 'text-anchor="end"' : '',
    `fill="${style.color ?? colors.text}"`,
  ].filter(Boolean);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
