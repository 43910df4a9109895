// Small helpers for the search screen: the server's highlighted snippet
// turned into text segments (rendered as React elements, never as HTML),
// and filter chips that add or take away an operator in the query.

export interface Segment {
  text: string;
  mark: boolean;
}

const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#34;": '"', "&#39;": "'", "&apos;": "'" };

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#34|#39);/g, (m) => entities[m] ?? m);
}

/**
 * "Die <mark>Häuser</mark> &amp; mehr" → [{text: "Die "}, {text: "Häuser", mark}, {text: " & mehr"}].
 * Only <mark> is understood; anything else stays text.
 */
export function parseSnippet(html: string): Segment[] {
  const out: Segment[] = [];
  let mark = false;
  for (const part of html.split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") mark = true;
    else if (part === "</mark>") mark = false;
    else if (part) out.push({ text: unescape(part), mark });
  }
  return out;
}

/** Snippets are cut from the Markdown source: drop the emphasis marks a reader would not see. */
export function withoutMarks(segments: Segment[]): Segment[] {
  return segments.map((s) => (s.mark ? s : { ...s, text: s.text.replace(/\*\*|__|~~|`/g, "") })).filter((s) => s.text !== "");
}

/** Whether the query has this operator as a word of its own (outside quotes). */
export function hasOperator(q: string, op: string): boolean {
  return tokens(q).some((t) => t.toLowerCase() === op.toLowerCase());
}

function tokens(q: string): string[] {
  return q.match(/"[^"]*"?|\S+/g) ?? [];
}

/** Adds the operator to the query, or takes it out when it is there. */
export function toggleOperator(q: string, op: string): string {
  const ts = tokens(q);
  const has = ts.some((t) => t.toLowerCase() === op.toLowerCase());
  const next = has ? ts.filter((t) => t.toLowerCase() !== op.toLowerCase()) : [...ts, op];
  return next.join(" ");
}
