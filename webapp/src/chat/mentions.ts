// @mention autocomplete in the composer: find the "@que" being typed at
// the caret, rank the channel's people for it, and put the chosen
// username into the text.

export interface MentionCandidate {
  id: string;
  username: string;
  display_name: string;
  /** @channel, @here: everyone rather than one person. */
  everyone?: boolean;
}

export interface MentionQuery {
  /** Where the "@" is. */
  start: number;
  /** What follows it up to the caret. */
  query: string;
}

const nameChar = /[a-zA-Z0-9._-]/;

/** The mention being typed at the caret, if any ("Hallo @an|" → {start: 6, query: "an"}). */
export function mentionAt(text: string, caret: number): MentionQuery | undefined {
  let i = caret;
  while (i > 0 && caret - i <= 64 && nameChar.test(text[i - 1] ?? "")) i--;
  if (i === 0 || text[i - 1] !== "@") return undefined;
  const at = i - 1;
  const before = at > 0 ? (text[at - 1] ?? "") : "";
  // As the server reads mentions: not inside a word or an e-mail address.
  if (before && /[\w@.]/.test(before)) return undefined;
  return { start: at, query: text.slice(i, caret) };
}

/** Lowercase without accents, so "jur" finds "Jürgen". */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * The best matches for a query: username starting with it first, then a
 * word of the name starting with it, then anything containing it; each
 * group by name. Empty query: everyone, by name.
 */
export function rankMentions(people: readonly MentionCandidate[], query: string, limit = 8): MentionCandidate[] {
  const q = fold(query);
  const scored: { c: MentionCandidate; score: number }[] = [];
  for (const c of people) {
    const user = fold(c.username);
    const name = fold(c.display_name);
    let score: number;
    if (q === "") score = c.everyone ? 3 : 0;
    else if (user.startsWith(q)) score = 0;
    else if (name.split(/\s+/).some((w) => w.startsWith(q))) score = 1;
    else if (user.includes(q) || name.includes(q)) score = 2;
    else continue;
    scored.push({ c, score });
  }
  scored.sort((a, b) => a.score - b.score || a.c.display_name.localeCompare(b.c.display_name));
  return scored.slice(0, limit).map((s) => s.c);
}

/** Replaces the typed "@que" with "@username " and puts the caret after it. */
export function applyMention(text: string, caret: number, m: MentionQuery, username: string): { text: string; caret: number } {
  const insert = `@${username} `;
  const after = text.slice(caret).replace(/^[a-zA-Z0-9._-]*/, "");
  const next = text.slice(0, m.start) + insert + after.replace(/^ /, "");
  return { text: next, caret: m.start + insert.length };
}
