/** Number formatting shared by the report and the chart. */
export const perSecond = (n: number): string => Math.round(n).toLocaleString('en-US');
export const times = (n: number | undefined): string => (n === undefined ? '—' : `${n.toFixed(2)}x`);
export const utc = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
