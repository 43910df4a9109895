import { describe, expect, test } from "vitest";
import { auditExportHref, auditQuery, badRange, canModerate, conversationHref, dayStart, discoveryFilters, emptyDiscovery, formatSize, formFromSaved, holdActive, holdScope, periodDays, recordedFileHref, wholeYears } from "./logic";

describe("audit trail filters", () => {
  test("empty filters ask for everything", () => {
    expect(auditQuery({ action: " ", actorId: undefined })).toEqual({});
    expect(auditExportHref({})).toBe("/api/v1/compliance/audit-trail/export");
  });

  test("who, what and when become the API's parameters; 'to' includes its whole day", () => {
    const q = auditQuery({ actorId: "01abc", action: " compliance.search ", from: "2026-11-01", to: "2026-11-30" });
    expect(q.actor_id).toBe("01abc");
    expect(q.action).toBe("compliance.search");
    expect(q.since).toBe(new Date(2026, 10, 1).toISOString());
    // until is exclusive on the server: the day after "to", at its start.
    expect(q.until).toBe(new Date(2026, 11, 1).toISOString());
  });

  test("the export carries exactly the filters the table shows", () => {
    const f = { actorId: "01abc", action: "auth.sign_in", from: "2026-01-31" };
    const url = new URL(auditExportHref(f), "http://kontor.test");
    expect(url.pathname).toBe("/api/v1/compliance/audit-trail/export");
    expect(Object.fromEntries(url.searchParams)).toEqual(auditQuery(f));
  });

  test("what is not a day is no filter", () => {
    expect(dayStart("2026-02-31")).toBeUndefined();
    expect(dayStart("31.01.2026")).toBeUndefined();
    expect(dayStart("")).toBeUndefined();
    expect(auditQuery({ from: "gestern" })).toEqual({});
  });

  test("a range the wrong way round is flagged; one end alone is fine", () => {
    expect(badRange("2026-12-01", "2026-11-01")).toBe(true);
    expect(badRange("2026-11-01", "2026-11-01")).toBe(false);
    expect(badRange("2026-11-01", "")).toBe(false);
  });
});

describe("legal holds", () => {
  test("empty lists mean everyone and everywhere; a released hold is no longer active", () => {
    const h = { custodian_ids: null, channel_ids: ["c1"], starts_at: "2020-01-01T00:00:00Z" };
    expect(holdScope(h)).toEqual({ everyone: true, everywhere: false, since: "2020-01-01T00:00:00Z" });
    expect(holdActive(h)).toBe(true);
    expect(holdActive({ ...h, released_at: "2026-11-29T10:00:00Z" })).toBe(false);
  });
});

describe("e-discovery", () => {
  test("the form becomes only the filters that are set; 'to' includes its day", () => {
    const f = { ...emptyDiscovery, query: "Rabatt", custodianIds: ["u1"], from: "2026-11-01", to: "2026-11-02", kind: "message" as const, states: ["deleted" as const] };
    expect(discoveryFilters(emptyDiscovery)).toEqual({});
    expect(discoveryFilters(f)).toEqual({
      custodian_ids: ["u1"],
      since: new Date(2026, 10, 1).toISOString(),
      until: new Date(2026, 10, 3).toISOString(),
      kinds: ["message"],
      states: ["deleted"],
    });
  });

  test("a saved search comes back into the form as it was saved", () => {
    const f = { ...emptyDiscovery, query: "Rabatt", custodianIds: ["u1"], channelIds: ["c1"], from: "2026-01-31", to: "2026-03-01", kind: "file" as const, states: ["edited" as const], sort: "oldest" as const };
    expect(formFromSaved({ query: f.query, filters: discoveryFilters(f), sort: f.sort })).toEqual(f);
    expect(formFromSaved({ query: "", filters: {}, sort: "whatever" })).toEqual(emptyDiscovery);
  });

  test("links to a hit's conversation and a recorded file; only live or edited messages can be taken down", () => {
    expect(conversationHref("01chan", 42)).toBe("/compliance/conversations/01chan?around=42");
    expect(recordedFileHref("01file")).toBe("/api/v1/compliance/ediscovery/files/01file/content");
    expect(["live", "edited", "deleted", "expired", "moderated"].filter(canModerate)).toEqual(["live", "edited"]);
  });

  test("sizes read as people say them", () => {
    expect(formatSize(512, "en")).toBe("512 byte");
    expect(formatSize(2048, "en")).toBe("2 kB");
    expect(formatSize(5 * 1024 * 1024, "de")).toBe("5 MB");
  });
});

describe("retention periods", () => {
  test("years become days as the server counts them; nonsense is no period", () => {
    expect(periodDays("6", "years")).toBe(2192);
    expect(periodDays("30", "days")).toBe(30);
    expect(periodDays("", "years")).toBeUndefined();
    expect(periodDays("-1", "days")).toBeUndefined();
    expect(periodDays("sechs", "years")).toBeUndefined();
    expect(wholeYears(2192)).toBe(6);
    expect(wholeYears(30)).toBeUndefined();
  });
});
