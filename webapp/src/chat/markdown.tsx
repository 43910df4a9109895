// Message text: Markdown rendered to React elements, never to HTML.
//
// marked's lexer splits the text into tokens; this file turns the ones a
// chat message needs into elements. Nothing is ever inserted as HTML
// (no dangerouslySetInnerHTML), so raw HTML in a message shows as the text
// it is. Links keep only http(s), mailto and Kontor's own paths; anything
// else (javascript:, data:, vbscript:, //other.host) is shown as text.
// Images are never loaded from a message (they would leak who reads it):
// they become links. @mentions and :shortcodes: are marked up too.

import { Lexer, type Token, type Tokens } from "marked";
import { Fragment, memo, useMemo, type ReactNode } from "react";
import { emojiFor } from "./emoji";

/** The href to use for a link in a message, or undefined when it is not safe. */
export function safeHref(raw: string): string | undefined {
  const href = raw.trim();
  if (href === "") return undefined;
  // Kontor's own pages: "/c/…" but not "//host" or "/\host" (which browsers treat as another host).
  if (href.startsWith("/")) return /^\/[/\\]/.test(href) ? undefined : href;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  return url.protocol === "https:" || url.protocol === "http:" || url.protocol === "mailto:" ? url.href : undefined;
}

/** Whether a link leaves Kontor (opens in a new tab). */
function external(href: string): boolean {
  return !href.startsWith("/");
}

// The server's rule for mentions (modules/chat/validate.go).
const mentionRE = /(^|[^\w@.])@([a-zA-Z0-9][a-zA-Z0-9._-]{0,63})/g;
const everyone = new Set(["channel", "all", "everyone", "here"]);

export interface MarkdownOptions {
  /** My username: mentions of me (and of everyone) stand out. */
  me?: string;
}

function decorateText(text: string, opts: MarkdownOptions, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  const push = (s: string) => {
    if (!s) return;
    // :shortcode: → emoji, when known.
    const parts = s.split(/(:[a-z0-9_+-]{1,40}:)/g);
    for (const p of parts) {
      const e = /^:([a-z0-9_+-]{1,40}):$/.exec(p);
      const char = e?.[1] ? emojiFor(e[1]) : undefined;
      out.push(char ? <span key={`${key}-e${n++}`} className="emoji" title={p}>{char}</span> : p);
    }
  };
  for (const m of text.matchAll(mentionRE)) {
    const lead = m[1] ?? "";
    const name = (m[2] ?? "").replace(/[._-]+$/, "");
    const start = (m.index ?? 0) + lead.length;
    push(text.slice(last, start));
    const lower = name.toLowerCase();
    const mine = everyone.has(lower) || (opts.me !== undefined && lower === opts.me.toLowerCase());
    out.push(
      <span key={`${key}-m${n++}`} className={mine ? "mention mention-me" : "mention"}>
        @{name}
      </span>,
    );
    last = start + 1 + name.length;
  }
  push(text.slice(last));
  return out;
}

function inline(tokens: readonly Token[] | undefined, opts: MarkdownOptions, key: string): ReactNode[] {
  return (tokens ?? []).map((t, i) => inlineToken(t, opts, `${key}.${i}`));
}

function inlineToken(t: Token, opts: MarkdownOptions, key: string): ReactNode {
  switch (t.type) {
    case "text": {
      const tt = t as Tokens.Text;
      if (tt.tokens?.length) return <Fragment key={key}>{inline(tt.tokens, opts, key)}</Fragment>;
      return <Fragment key={key}>{decorateText(tt.text, opts, key)}</Fragment>;
    }
    case "escape":
      return (t as Tokens.Escape).text;
    case "strong":
      return <strong key={key}>{inline((t as Tokens.Strong).tokens, opts, key)}</strong>;
    case "em":
      return <em key={key}>{inline((t as Tokens.Em).tokens, opts, key)}</em>;
    case "del":
      return <del key={key}>{inline((t as Tokens.Del).tokens, opts, key)}</del>;
    case "codespan":
      return <code key={key}>{(t as Tokens.Codespan).text}</code>;
    case "br":
      return <br key={key} />;
    case "link": {
      const l = t as Tokens.Link;
      const href = safeHref(l.href);
      const children = inline(l.tokens, opts, key);
      if (!href) return <Fragment key={key}>{l.raw}</Fragment>;
      return external(href) ? (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {children}
        </a>
      ) : (
        <a key={key} href={href}>
          {children}
        </a>
      );
    }
    case "image": {
      const img = t as Tokens.Image;
      const href = safeHref(img.href);
      const label = img.text || img.href;
      if (!href) return <Fragment key={key}>{img.raw}</Fragment>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {label}
        </a>
      );
    }
    case "html":
      // Raw HTML is shown as what it is: text.
      return <Fragment key={key}>{(t as Tokens.HTML).raw}</Fragment>;
    default:
      return <Fragment key={key}>{"raw" in t && typeof t.raw === "string" ? t.raw : ""}</Fragment>;
  }
}

function block(t: Token, opts: MarkdownOptions, key: string): ReactNode {
  switch (t.type) {
    case "space":
    case "def":
      return null;
    case "paragraph":
      return <p key={key}>{inline((t as Tokens.Paragraph).tokens, opts, key)}</p>;
    case "heading":
      // Not <h1>-<h6>: a message must not add to the page's outline.
      return (
        <p key={key} className="md-heading">
          <strong>{inline((t as Tokens.Heading).tokens, opts, key)}</strong>
        </p>
      );
    case "code":
      return (
        <pre key={key}>
          <code>{(t as Tokens.Code).text}</code>
        </pre>
      );
    case "blockquote":
      return <blockquote key={key}>{blocks((t as Tokens.Blockquote).tokens, opts, key)}</blockquote>;
    case "hr":
      return <hr key={key} />;
    case "list": {
      const l = t as Tokens.List;
      const items = l.items.map((it, i) => (
        <li key={`${key}.${i}`}>
          {it.task && <span aria-hidden="true">{it.checked ? "☑ " : "☐ "}</span>}
          {blocks(it.tokens, opts, `${key}.${i}`)}
        </li>
      ));
      return l.ordered ? (
        <ol key={key} start={typeof l.start === "number" && l.start !== 1 ? l.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case "table": {
      const tb = t as Tokens.Table;
      return (
        <div key={key} className="md-table">
          <table>
            <thead>
              <tr>
                {tb.header.map((c, i) => (
                  <th key={i}>{inline(c.tokens, opts, `${key}.h${i}`)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {tb.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((c, i) => (
                    <td key={i}>{inline(c.tokens, opts, `${key}.${r}.${i}`)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    }
    case "text": {
      // Tight list items hold "text" blocks with inline tokens.
      const tt = t as Tokens.Text;
      return <Fragment key={key}>{tt.tokens ? inline(tt.tokens, opts, key) : decorateText(tt.text, opts, key)}</Fragment>;
    }
    case "html":
      return <p key={key}>{(t as Tokens.HTML).raw}</p>;
    default:
      return inlineToken(t, opts, key);
  }
}

function blocks(tokens: readonly Token[] | undefined, opts: MarkdownOptions, key: string): ReactNode[] {
  return (tokens ?? []).map((t, i) => block(t, opts, `${key}/${i}`));
}

/** Splits Markdown into tokens the way messages use it: GitHub flavour, single newlines are line breaks. */
export function lex(text: string): Token[] {
  return new Lexer({ gfm: true, breaks: true }).lex(text);
}

/** The elements for a message's text (exported for tests). */
export function renderMarkdown(text: string, opts: MarkdownOptions = {}): ReactNode[] {
  return blocks(lex(text), opts, "md");
}

/** A message's text, rendered. */
export const Markdown = memo(function Markdown({ text, me }: { text: string; me?: string }) {
  const nodes = useMemo(() => renderMarkdown(text, me === undefined ? {} : { me }), [text, me]);
  return <div className="md">{nodes}</div>;
});

/** Plain text of a message for notifications and previews: no Markdown marks. */
export function plainText(text: string, max = 140): string {
  const flat = text
    .replace(/```[\s\S]*?```/g, " … ")
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[*_~`>#]+/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}
