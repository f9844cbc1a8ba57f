/** Number formatting shared by the report and the chart. */
export const perSecond = (n: number): string => Math.round(n).toLocaleString('en-US');
export const times = (n: number | undefined): string => (n === undefined ? '—' : `${n.toFixed(2)}x`);
export const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
/** A ratio with its rounds' range, `0.91x (0.85–0.97)`; `digits` for a figure near a threshold. */
export const figure = (f: { ratio: number; rounds: readonly number[] } | undefined, digits = 2): string =>
  f ? `${f.ratio.toFixed(digits)}x${spread(f.rounds)}` : '—';
/** The lowest and highest of a ratio's rounds, ` (0.85–0.97)`, or '' for fewer than two. */
export const spread = (rounds: readonly number[] | undefined): string =>
  rounds && rounds.length > 1 ? ` (${Math.min(...rounds).toFixed(2)}–${Math.max(...rounds).toFixed(2)})` : '';
