/**
 * Low-fidelity wireframes as standalone SVG: grey boxes per region, each a `<g id="region-…">`
 * with a `<text>` label, which is the contract the prototype and the explainer build on.
 */
import { OFFLINE_NOTICE } from "../artifacts.ts";
import type { Prd, Region, Screen } from "../schemas.ts";
import { escapeXml as x } from "./escape.ts";

export const WIREFRAME_WIDTH = 800;
const PAD = 24;
const INNER = WIREFRAME_WIDTH - PAD * 2;
const FONT = `font-family="Helvetica, Arial, sans-serif"`;

function clip(text: string, width: number, size = 13): string {
  const max = Math.max(4, Math.floor(width / (size * 0.55)));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function label(xPos: number, y: number, text: string, opts: { size?: number; width?: number; weight?: string; fill?: string } = {}): string {
  const size = opts.size ?? 13;
  return `<text x="${xPos}" y="${y}" font-size="${size}"${opts.weight ? ` font-weight="${opts.weight}"` : ""} fill="${opts.fill ?? "#333"}">${x(clip(text, opts.width ?? INNER, size))}</text>`;
}

const box = (xPos: number, y: number, w: number, h: number, fill = "#f4f4f4", stroke = "#999"): string =>
  `<rect x="${xPos}" y="${y}" width="${w}" height="${h}" fill="${fill}" stroke="${stroke}" stroke-width="1" rx="4"/>`;

function regionHeight(region: Region): number {
  switch (region.pattern) {
    case "nav":
      return 56;
    case "hero":
      return 190;
    case "feature-grid":
      return 48 + Math.ceil(region.data.items.length / 3) * 104;
    case "form":
      return 56 + region.data.fields.length * 58 + 56;
    case "list":
      return 56 + (region.data.rows.length + 1) * 34;
    case "pricing":
      return 56 + 150;
    case "dashboard":
      return 56 + 96;
    case "footer":
      return 44;
  }
}

function regionBody(region: Region, top: number, h: number): string[] {
  const left = PAD + 12;
  const width = INNER - 24;
  const out: string[] = [];
  switch (region.pattern) {
    case "nav": {
      out.push(label(left, top + 34, region.data.brand, { size: 16, weight: "bold", width: 200 }));
      const slot = (width - 220) / region.data.items.length;
      region.data.items.forEach((item, i) =>
        out.push(label(left + 220 + i * slot, top + 34, item.label, { size: 12, width: slot - 8, fill: "#555" })),
      );
      break;
    }
    case "hero":
      out.push(label(left, top + 60, region.data.headline, { size: 22, weight: "bold", width }));
      out.push(label(left, top + 92, region.data.subline, { size: 13, width, fill: "#555" }));
      out.push(box(left, top + 118, 220, 40, "#ddd"));
      out.push(label(left + 12, top + 143, `[ ${region.data.cta.label} ]`, { size: 13, width: 200 }));
      break;
    case "feature-grid": {
      const w = (width - 24) / 3;
      region.data.items.forEach((item, i) => {
        const cx = left + (i % 3) * (w + 12);
        const cy = top + 40 + Math.floor(i / 3) * 104;
        out.push(box(cx, cy, w, 92, "#fff"));
        out.push(label(cx + 10, cy + 24, item.title, { size: 13, weight: "bold", width: w - 20 }));
        out.push(label(cx + 10, cy + 48, item.text, { size: 11, width: w - 20, fill: "#666" }));
      });
      break;
    }
    case "form":
      region.data.fields.forEach((field, i) => {
        const fy = top + 44 + i * 58;
        out.push(label(left, fy + 12, `${field.label}${field.type === "select" ? " (choose)" : ""}`, { size: 12, width }));
        out.push(box(left, fy + 18, Math.min(width, 420), field.type === "textarea" ? 32 : 28, "#fff"));
      });
      out.push(box(left, top + h - 48, 180, 36, "#ddd"));
      out.push(label(left + 12, top + h - 25, `[ ${region.data.submitLabel} ]`, { size: 13, width: 160 }));
      break;
    case "list": {
      const cols = region.data.columns.length;
      const w = width / cols;
      region.data.columns.forEach((c, i) => out.push(label(left + i * w, top + 62, c, { size: 12, weight: "bold", width: w - 8 })));
      region.data.rows.forEach((row, r) => {
        const ry = top + 62 + (r + 1) * 34;
        out.push(`<line x1="${left}" y1="${ry - 22}" x2="${left + width}" y2="${ry - 22}" stroke="#ccc"/>`);
        row.forEach((cell, i) => out.push(label(left + i * w, ry, cell, { size: 12, width: w - 8, fill: "#555" })));
      });
      break;
    }
    case "pricing": {
      const n = region.data.tiers.length;
      const w = (width - 12 * (n - 1)) / n;
      region.data.tiers.forEach((tier, i) => {
        const cx = left + i * (w + 12);
        out.push(box(cx, top + 40, w, 150, "#fff"));
        out.push(label(cx + 10, top + 64, tier.name, { size: 14, weight: "bold", width: w - 20 }));
        out.push(label(cx + 10, top + 86, tier.price, { size: 12, width: w - 20 }));
        tier.points.slice(0, 3).forEach((p, j) =>
          out.push(label(cx + 10, top + 112 + j * 22, `• ${p}`, { size: 11, width: w - 20, fill: "#666" })),
        );
      });
      break;
    }
    case "dashboard": {
      const n = region.data.cards.length;
      const w = (width - 12 * (n - 1)) / n;
      region.data.cards.forEach((card, i) => {
        const cx = left + i * (w + 12);
        out.push(box(cx, top + 40, w, 96, "#fff"));
        out.push(label(cx + 10, top + 62, card.label, { size: 11, width: w - 20, fill: "#666" }));
        out.push(label(cx + 10, top + 98, card.value, { size: 26, weight: "bold", width: w - 20 }));
        out.push(label(cx + 10, top + 124, card.note, { size: 10, width: w - 20, fill: "#888" }));
      });
      break;
    }
    case "footer":
      out.push(label(left, top + 27, region.data.text, { size: 11, width, fill: "#666" }));
      break;
  }
  return out;
}

/** One screen as a standalone SVG document. */
export function wireframeSvg(screen: Screen, productName: string, offline: boolean): string {
  const parts: string[] = [];
  let y = (offline ? 28 : 0) + 52;
  for (const region of screen.regions) {
    const h = regionHeight(region);
    const showsLabel = region.pattern !== "nav" && region.pattern !== "footer";
    parts.push(
      `<g id="region-${region.id}" data-pattern="${region.pattern}">`,
      box(PAD, y, INNER, h, region.pattern === "nav" || region.pattern === "footer" ? "#e9e9e9" : "#f7f7f7"),
      showsLabel
        ? label(PAD + 12, y + 22, `${region.label.toUpperCase()} · ${region.pattern}`, { size: 11, fill: "#888" })
        : `<text x="${WIREFRAME_WIDTH - PAD - 8}" y="${y + 14}" font-size="9" text-anchor="end" fill="#999">${x(region.label)}</text>`,
      ...regionBody(region, y, h),
      "</g>",
    );
    y += h + 12;
  }
  const height = y + PAD;
  const notice = offline
    ? [`<rect x="0" y="0" width="${WIREFRAME_WIDTH}" height="28" fill="#fff3cd"/>`, `<text x="${PAD}" y="19" font-size="11" fill="#664d03">${x(OFFLINE_NOTICE)}</text>`]
    : [];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIREFRAME_WIDTH}" height="${height}" viewBox="0 0 ${WIREFRAME_WIDTH} ${height}" ${FONT} role="img" aria-label="${x(`${productName}: ${screen.title} wireframe`)}">`,
    `<title>${x(`${productName}: ${screen.title} (wireframe)`)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...notice,
    label(PAD, (offline ? 28 : 0) + 34, `${productName} · ${screen.title} · wireframe`, { size: 15, weight: "bold" }),
    ...parts,
    `</svg>`,
    "",
  ].join("\n");
}

type Positioning = NonNullable<Prd["positioning"]>;

/**
 * The PRD's competitive positioning chart (a MetaGPT-style quadrant) as a standalone SVG: each
 * comparable from the market map as a dot, ours highlighted, axes labelled at both ends.
 */
export function positioningSvg(chart: Positioning, productName: string, offline: boolean): string {
  const size = 560;
  const left = 70;
  const top = (offline ? 28 : 0) + 60;
  const plot = size - left - 40;
  const px = (v: number) => Math.round(left + v * plot);
  const py = (v: number) => Math.round(top + (1 - v) * plot);
  const height = top + plot + 70;
  const notice = offline
    ? [`<rect x="0" y="0" width="${size}" height="28" fill="#fff3cd"/>`, `<text x="12" y="19" font-size="11" fill="#664d03">${x(OFFLINE_NOTICE)}</text>`]
    : [];
  const points = chart.points.map((p) => {
    const cx = px(p.x);
    const cy = py(p.y);
    const anchor = p.x > 0.7 ? "end" : "start";
    const dx = anchor === "end" ? -10 : 10;
    return [
      `<g class="point${p.ours ? " ours" : ""}">`,
      `<circle cx="${cx}" cy="${cy}" r="${p.ours ? 8 : 6}" fill="${p.ours ? "#d63384" : "#0d6efd"}"/>`,
      `<text x="${cx + dx}" y="${cy + 4}" font-size="12" text-anchor="${anchor}" fill="#222"${p.ours ? ' font-weight="bold"' : ""}>${x(clip(p.name, 160, 12))}</text>`,
      `</g>`,
    ].join("");
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${height}" viewBox="0 0 ${size} ${height}" ${FONT} role="img" aria-label="${x(`${productName}: competitive positioning`)}">`,
    `<title>${x(`${productName}: competitive positioning`)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...notice,
    label(left, top - 30, `${productName} · competitive positioning`, { size: 15, weight: "bold", width: plot }),
    `<rect x="${left}" y="${top}" width="${plot}" height="${plot}" fill="#fafafa" stroke="#999"/>`,
    `<line x1="${px(0.5)}" y1="${top}" x2="${px(0.5)}" y2="${top + plot}" stroke="#ddd" stroke-dasharray="4 4"/>`,
    `<line x1="${left}" y1="${py(0.5)}" x2="${left + plot}" y2="${py(0.5)}" stroke="#ddd" stroke-dasharray="4 4"/>`,
    `<text x="${left + plot / 2}" y="${top + plot + 40}" font-size="12" text-anchor="middle" fill="#444">${x(chart.xAxis.label)}</text>`,
    `<text x="${left}" y="${top + plot + 20}" font-size="11" fill="#777">${x(chart.xAxis.low)}</text>`,
    `<text x="${left + plot}" y="${top + plot + 20}" font-size="11" text-anchor="end" fill="#777">${x(chart.xAxis.high)}</text>`,
    `<text x="20" y="${top + plot / 2}" font-size="12" text-anchor="middle" fill="#444" transform="rotate(-90 20 ${top + plot / 2})">${x(chart.yAxis.label)}</text>`,
    `<text x="${left - 6}" y="${top + plot}" font-size="11" text-anchor="end" fill="#777">${x(chart.yAxis.low)}</text>`,
    `<text x="${left - 6}" y="${top + 10}" font-size="11" text-anchor="end" fill="#777">${x(chart.yAxis.high)}</text>`,
    ...points,
    `</svg>`,
    "",
  ].join("\n");
}
