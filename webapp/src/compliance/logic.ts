// What the compliance console computes without the network: the audit
// trail's filters as API parameters and as the CSV export's address, date
// inputs as time ranges, and what a legal hold covers in words.

/** The audit trail's filters as the person entered them. */
export interface AuditFilters {
  actorId?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** A date input's value (YYYY-MM-DD): entries from that day on. */
  from?: string | undefined;
  /** A date input's value (YYYY-MM-DD): entries up to and including that day. */
  to?: string | undefined;
}

export interface AuditQuery {
  actor_id?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  since?: string;
  until?: string;
}

const dayRe = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The start of a day in the browser's time zone, as RFC 3339 (UTC);
 * with plusDays, that many days later. Undefined for anything but a
 * valid YYYY-MM-DD.
 */
export function dayStart(day: string | undefined, plusDays = 0): string | undefined {
  const m = dayRe.exec(day?.trim() ?? "");
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const date = new Date(y, mo, d + plusDays);
  // new Date rolls 2026-02-31 over to March: refuse what is not a day.
  const check = new Date(y, mo, d);
  if (check.getFullYear() !== y || check.getMonth() !== mo || check.getDate() !== d) return undefined;
  return date.toISOString();
}

/** The filters as the audit trail's query parameters; empty filters are left out. */
export function auditQuery(f: AuditFilters): AuditQuery {
  const q: AuditQuery = {};
  const set = (k: keyof AuditQuery, v: string | undefined) => {
    const s = v?.trim();
    if (s) q[k] = s;
  };
  set("actor_id", f.actorId);
  set("action", f.action);
  set("target_type", f.targetType);
  set("target_id", f.targetId);
  set("since", dayStart(f.from));
  // "To" a day includes that whole day: until is exclusive.
  set("until", dayStart(f.to, 1));
  return q;
}

/** The address of the CSV export of exactly what the filters show. */
export function auditExportHref(f: AuditFilters): string {
  const params = new URLSearchParams(Object.entries(auditQuery(f)) as [string, string][]);
  const qs = params.toString();
  return `/api/v1/compliance/audit-trail/export${qs ? `?${qs}` : ""}`;
}

/** True when a date range is given the wrong way round (from after to). */
export function badRange(from: string | undefined, to: string | undefined): boolean {
  const a = dayStart(from);
  const b = dayStart(to);
  return a !== undefined && b !== undefined && a > b;
}

export interface HoldLike {
  custodian_ids: string[] | null;
  channel_ids: string[] | null;
  starts_at?: string;
  ends_at?: string;
  released_at?: string;
}

/** Whether a hold still protects what it covers. */
export function holdActive(h: HoldLike): boolean {
  return !h.released_at;
}

/** A hold's scope in parts the screen puts into words: whose, where, when. */
export function holdScope(h: HoldLike): { everyone: boolean; everywhere: boolean; since?: string; until?: string } {
  return {
    everyone: (h.custodian_ids ?? []).length === 0,
    everywhere: (h.channel_ids ?? []).length === 0,
    ...(h.starts_at ? { since: h.starts_at } : {}),
    ...(h.ends_at ? { until: h.ends_at } : {}),
  };
}

/** The e-discovery form as the person filled it in. */
export interface DiscoveryForm {
  query: string;
  custodianIds: string[];
  channelIds: string[];
  from: string;
  to: string;
  kind: "" | "message" | "file";
  states: DiscoveryState[];
  sort: "newest" | "oldest" | "relevance";
}

export const discoveryStates = ["live", "edited", "deleted", "expired", "moderated"] as const;
export type DiscoveryState = (typeof discoveryStates)[number];

export const emptyDiscovery: DiscoveryForm = { query: "", custodianIds: [], channelIds: [], from: "", to: "", kind: "", states: [], sort: "newest" };

export interface DiscoveryFiltersBody {
  custodian_ids?: string[];
  channel_ids?: string[];
  since?: string;
  until?: string;
  kinds?: ("message" | "file")[];
  states?: DiscoveryState[];
}

/** The form as the search's filters: only what is set; "to" includes its whole day. */
export function discoveryFilters(f: DiscoveryForm): DiscoveryFiltersBody {
  const out: DiscoveryFiltersBody = {};
  if (f.custodianIds.length) out.custodian_ids = f.custodianIds;
  if (f.channelIds.length) out.channel_ids = f.channelIds;
  const since = dayStart(f.from);
  const until = dayStart(f.to, 1);
  if (since) out.since = since;
  if (until) out.until = until;
  if (f.kind) out.kinds = [f.kind];
  if (f.states.length) out.states = f.states;
  return out;
}

/** A saved search's filters back into the form (days in the browser's time zone). */
export function formFromSaved(s: { query: string; filters: DiscoveryFiltersBody; sort?: string }): DiscoveryForm {
  const day = (iso: string | undefined, minusDays = 0): string => {
    if (!iso) return "";
    const d = new Date(iso);
    d.setDate(d.getDate() - minusDays);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  };
  const kinds = s.filters.kinds ?? [];
  return {
    query: s.query,
    custodianIds: s.filters.custodian_ids ?? [],
    channelIds: s.filters.channel_ids ?? [],
    from: day(s.filters.since),
    // until is the start of the day after "to".
    to: day(s.filters.until, 1),
    kind: kinds.length === 1 ? (kinds[0] ?? "") : "",
    states: s.filters.states ?? [],
    sort: s.sort === "oldest" || s.sort === "relevance" ? s.sort : "newest",
  };
}

/** Where the conversation around a hit opens in the console. */
export function conversationHref(channelId: string, seq: number): string {
  return `/compliance/conversations/${encodeURIComponent(channelId)}?around=${seq}`;
}

/** A file on the record, for download (the server audits it). */
export function recordedFileHref(fileId: string): string {
  return `/api/v1/compliance/ediscovery/files/${encodeURIComponent(fileId)}/content`;
}

/** Whether a message can still be taken down (it is not gone already). */
export function canModerate(state: string): boolean {
  return state === "live" || state === "edited";
}

/** Bytes as a short size. */
export function formatSize(bytes: number, locale: string): string {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"] as const;
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: i === 0 ? 0 : 1 }).format(v);
}

/** A retention period typed as a number and a unit, in days (a year is 365.25 days, so 6 years are 2192). */
export function periodDays(amount: string, unit: "days" | "years"): number | undefined {
  const n = Number(amount.trim());
  if (!amount.trim() || !Number.isFinite(n) || n < 0) return undefined;
  return unit === "years" ? Math.round(n * 365.25) : Math.round(n);
}

/** Days as whole years where they are whole years (2192 → 6), else undefined. */
export function wholeYears(days: number): number | undefined {
  if (days <= 0) return undefined;
  const y = Math.round(days / 365.25);
  return y > 0 && Math.round(y * 365.25) === days ? y : undefined;
}
