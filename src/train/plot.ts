/**
 * A loss-curve picture a person can open in any browser: an SVG line chart of
 * the training loss (per logged update, light), and the train/val estimates at
 * each evaluation (bold). Pure string building, browser-safe.
 */
export interface LossSeries {
  label: string;
  points: readonly (readonly [number, number])[];
  color: string;
  /** Stroke width (default 1.5) and whether to mark points. */
  width?: number;
  markers?: boolean;
}

export interface LossPlotOptions {
  title?: string;
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
}

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

/** "Nice" tick values covering [lo, hi] (1-2-5 steps). */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) as number;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lossCurveSvg(series: readonly LossSeries[], options: LossPlotOptions = {}): string {
  const W = options.width ?? 800, H = options.height ?? 480;
  const margin = { left: 70, right: 20, top: 40, bottom: 55 };
  const plotW = W - margin.left - margin.right, plotH = H - margin.top - margin.bottom;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  let xMin = Math.min(0, ...all.map(([x]) => x)), xMax = Math.max(1, ...all.map(([x]) => x));
  let yMin = all.length ? Math.min(...all.map(([, y]) => y)) : 0, yMax = all.length ? Math.max(...all.map(([, y]) => y)) : 1;
  if (yMax - yMin < 1e-9) { yMin -= 0.5; yMax += 0.5; }
  const pad = 0.05 * (yMax - yMin);
  yMin -= pad; yMax += pad;
  if (xMax === xMin) xMax = xMin + 1;
  const sx = (x: number): number => margin.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const f = (v: number): string => v.toFixed(1);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  if (options.title) parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16">${escapeXml(options.title)}</text>`);
  for (const t of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(xMin, xMax)) {
    parts.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`);
    parts.push(`<text x="${f(sx(t))}" y="${margin.top + plotH + 20}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(options.xLabel ?? 'update')}</text>`);
  parts.push(`<text transform="translate(18 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel ?? 'loss (nats/token)')}</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 0) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}" points="${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"><title>${escapeXml(s.label)}</title></polyline>`);
      if (s.markers) for (const [x, y] of pts) parts.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${s.color}"/>`);
    }
    const ly = margin.top + 16 + 18 * i, lx = margin.left + plotW - 190;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/**
 * The standard loss-curve picture of a run: the per-update training loss
 * (light; noisy, one mini-batch each) and the train/val estimates at each
 * evaluation (bold, with markers). `history` is the loop's LossHistory, or
 * lossHistoryFromMetrics(parseMetricsJsonl(text)) to redraw from a metrics log.
 */
export function lossHistorySvg(
  history: { readonly train: readonly (readonly [number, number])[]; readonly evalTrain: readonly (readonly [number, number])[]; readonly val: readonly (readonly [number, number])[] },
  options: LossPlotOptions = {},
): string {
  return lossCurveSvg([
    { label: 'train (per update)', points: history.train, color: '#9ecae1', width: 1 },
    { label: 'train (eval)', points: history.evalTrain, color: '#08519c', width: 2, markers: true },
    { label: 'val (eval)', points: history.val, color: '#d94801', width: 2, markers: true },
  ], options);
}
