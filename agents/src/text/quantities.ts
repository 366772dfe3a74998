/**
 * Budgets and timelines as clients write them: "40.000 €", "€12.000", "$60k-80k", "25000 USD",
 * "6 Monate", "12 weeks", "Q3", "before September", "ASAP". What cannot be read stays raw only,
 * so nothing is ever misread as an amount or a duration.
 */

export interface Money {
  raw: string;
  currency?: string;
  min?: number;
  max?: number;
}

const CURRENCY: Record<string, string> = {
  $: "USD",
  "€": "EUR",
  "£": "GBP",
  usd: "USD",
  eur: "EUR",
  euro: "EUR",
  euros: "EUR",
  gbp: "GBP",
  chf: "CHF",
  dollars: "USD",
  dollar: "USD",
  pounds: "GBP",
};

const MULTIPLIER: Record<string, number> = {
  k: 1e3,
  m: 1e6,
  tsd: 1e3,
  mio: 1e6,
  thousand: 1e3,
  million: 1e6,
};

/**
 * One written number: "40.000" and "40,000" are forty thousand (a separator followed by exactly
 * three digits groups thousands), "12,5" and "12.5" are decimals.
 */
function readNumber(num: string): number | undefined {
  const s = num.replace(/\s+/g, "");
  if (/^\d{1,3}(?:[.,]\d{3})+$/.test(s)) return Number(s.replace(/[.,]/g, ""));
  if (/^\d{1,3}(?:,\d{3})+\.\d+$/.test(s)) return Number(s.replace(/,/g, ""));
  if (/^\d{1,3}(?:\.\d{3})+,\d+$/.test(s)) return Number(s.replace(/\./g, "").replace(",", "."));
  if (/^\d+(?:[.,]\d+)?$/.test(s)) return Number(s.replace(",", "."));
  return undefined;
}

/** "$20k", "€15,000-25,000", "40.000 €", "between 10k and 20k EUR", "under £5k". */
export function parseBudget(raw: string): Money {
  const text = raw.trim();
  const lower = text.toLowerCase();
  const cur = /([$€£])|\b(usd|eur|euros?|gbp|chf|dollars?|pounds)\b/i.exec(text);
  const currency = cur ? CURRENCY[(cur[1] ?? cur[2] ?? "").toLowerCase()] : undefined;
  const nums: { value: number; suffix?: string }[] = [];
  for (const m of text.matchAll(
    /(\d[\d.,]*(?:\s\d{3})*)\s*(k|m|tsd\.?|mio\.?|thousand|million)?(?![\p{L}])/giu,
  )) {
    const value = readNumber((m[1] ?? "").replace(/[.,]$/, ""));
    if (value === undefined) return { raw: text, ...(currency ? { currency } : {}) };
    const suffix = m[2]?.toLowerCase().replace(/\.$/, "");
    nums.push({
      value: Math.round(value * (suffix ? (MULTIPLIER[suffix] ?? 1) : 1)),
      ...(suffix ? { suffix } : {}),
    });
  }
  if (nums.length === 0) return { raw: text, ...(currency ? { currency } : {}) };
  // "10-20k": the suffix on the upper bound applies to the lower one too.
  const first = nums[0]!;
  const last = nums[nums.length - 1]!;
  if (nums.length >= 2 && !first.suffix && last.suffix && first.value < 1000) {
    first.value = Math.round(first.value * (MULTIPLIER[last.suffix] ?? 1));
  }
  const values = nums.map((n) => n.value);
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (/\b(?:under|below|less than|up to|max(?:imum)?|at most|bis zu|höchstens)\b|</.test(lower)) min = 0;
  if (/\b(?:over|above|more than|at least|min(?:imum)?|mindestens)\b|\+/.test(lower)) max = min;
  return { raw: text, ...(currency ? { currency } : {}), min, max };
}

export interface Timeline {
  raw: string;
  /** Duration in weeks (upper bound of a range), when the text gives one. */
  weeks?: number;
  /** A deadline rather than a duration: "end of Q3", "before September", "as soon as possible". */
  deadline?: string;
}

const UNIT = new Map<RegExp, number>([
  [/^(?:days?|d|tage?n?)$/i, 1 / 7],
  [/^(?:weeks?|wks?|w|wochen?)$/i, 1],
  [/^(?:months?|mos?|m|monate?n?|monat)$/i, 52 / 12],
  [/^(?:quarters?|quartale?)$/i, 13],
  [/^(?:years?|yrs?|y|jahre?n?)$/i, 52],
]);

const MONTHS =
  /\b(january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|märz|mai|juni|juli|oktober|dezember)\b/i;

/** "12 weeks", "3 months", "2-3 months", "6 Monate", "1 year", "Q3", "before September", "ASAP". */
export function parseTimeline(raw: string): Timeline {
  const text = raw.trim();
  const m = /(\d+(?:[.,]\d+)?)(?:\s*(?:-|–|to|bis)\s*(\d+(?:[.,]\d+)?))?\s*([\p{L}]+)/iu.exec(text);
  if (m) {
    const unit = [...UNIT.entries()].find(([re]) => re.test(m[3] ?? ""));
    if (unit) {
      const n = Number((m[2] ?? m[1] ?? "0").replace(",", "."));
      return { raw: text, weeks: Math.max(1, Math.round(n * unit[1])) };
    }
  }
  const quarter = /\bQ([1-4])(?:\s*(?:\/|')?\s*(\d{2,4}))?\b/i.exec(text);
  if (quarter) return { raw: text, deadline: `end of Q${quarter[1]}${quarter[2] ? ` ${quarter[2]}` : ""}` };
  const month = MONTHS.exec(text);
  if (month && /\b(?:before|by|until|bis|vor|end of|ende)\b/i.test(text)) {
    const name = month[1]!;
    return { raw: text, deadline: `before ${name.charAt(0).toUpperCase()}${name.slice(1).toLowerCase()}` };
  }
  if (/\basap\b|urgent|as soon as|so schnell wie möglich|sofort|dringend/i.test(text)) {
    // Urgency is not a duration; the plan still needs one, and four weeks is the shortest MVP slice.
    return { raw: text, weeks: 4, deadline: "as soon as possible" };
  }
  return { raw: text };
}
