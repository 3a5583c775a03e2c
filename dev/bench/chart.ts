// A dependency-free SVG bar chart: groups of horizontal bars, each bar labelled with its value.

export interface Bar {
  label: string;
  value: number;
  /** Drawn as a thin dashed marker on the bar, e.g. the ideal time. */
  marker?: number;
  color?: string;
}

export interface Panel {
  title: string;
  unit: string;
  bars: Bar[];
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function barChart(title: string, panels: Panel[], note: string): string {
  const width = 820;
  const labelWidth = 330;
  const barArea = width - labelWidth - 110;
  const barHeight = 18;
  const gap = 8;
  const parts: string[] = [];
  let y = 34;
  parts.push(`<text x="16" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`);
  for (const panel of panels) {
    y += 16;
    parts.push(`<text x="16" y="${y}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`);
    y += 8;
    const max = Math.max(...panel.bars.map((b) => Math.max(b.value, b.marker ?? 0)), 1e-9);
    for (const bar of panel.bars) {
      const w = Math.max(1, (bar.value / max) * barArea);
      parts.push(`<text x="${labelWidth - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`);
      parts.push(`<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${bar.color ?? "#2f6fb0"}"/>`);
      if (bar.marker !== undefined) {
        const mx = labelWidth + (bar.marker / max) * barArea;
        parts.push(
          `<line x1="${mx.toFixed(1)}" y1="${y - 3}" x2="${mx.toFixed(1)}" y2="${y + barHeight + 3}" stroke="#222" stroke-width="2" stroke-dasharray="3,2"/>`,
        );
      }
      parts.push(`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 13}" font-size="12">${escape(format(bar.value))} ${escape(panel.unit)}</text>`);
      y += barHeight + gap;
    }
  }
  y += 10;
  parts.push(`<text x="16" y="${y}" font-size="11" fill="#555">${escape(note)}</text>`);
  y += 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}

function format(value: number): string {
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
