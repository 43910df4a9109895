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
