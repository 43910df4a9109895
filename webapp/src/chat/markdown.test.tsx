import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, test } from "vitest";
import { Markdown, plainText, safeHref } from "./markdown";

const html = (text: string, me?: string) => renderToStaticMarkup(me === undefined ? <Markdown text={text} /> : <Markdown text={text} me={me} />);

describe("Markdown in messages", () => {
  test.each([
    ["bold, italic, strike, code", "**fett** *schräg* ~~weg~~ `a<b>`", "<strong>fett</strong> <em>schräg</em> <del>weg</del> <code>a&lt;b&gt;</code>"],
    ["a code block keeps its text", "```\nif (a < b) { x() }\n```", "<pre><code>if (a &lt; b) { x() }</code></pre>"],
    ["lists", "- eins\n- zwei", "<ul><li>eins</li><li>zwei</li></ul>"],
    ["quote", "> zitat", "<blockquote><p>zitat</p></blockquote>"],
    ["a single newline is a line break", "eins\nzwei", "<p>eins<br/>zwei</p>"],
    ["a heading does not become an h1", "# Titel", '<p class="md-heading"><strong>Titel</strong></p>'],
  ])("%s", (_name, text, want) => {
    expect(html(text)).toContain(want);
  });

  test.each([
    ["a script tag", "<script>alert(1)</script>"],
    ["an image with onerror", '<img src=x onerror="alert(1)">'],
    ["an iframe", '<iframe src="https://evil.example"></iframe>'],
    ["a block of HTML", "<div onclick=alert(1)>\nhi\n</div>"],
    ["an inline svg", "text <svg onload=alert(1)></svg>"],
  ])("raw HTML shows as text: %s", (_name, text) => {
    const out = html(text);
    expect(out).not.toMatch(/<(script|img|iframe|div onclick|svg)/i);
    expect(out).toContain("&lt;");
  });

  test.each([
    ["javascript:", "[klick](javascript:alert(1))"],
    ["JavaScript: in capitals with spaces", "[klick]( JAVASCRIPT:alert(1) )"],
    ["data:", "[klick](data:text/html;base64,PHNjcmlwdD4=)"],
    ["vbscript:", "[klick](vbscript:msgbox)"],
    ["another host without scheme", "[klick](//evil.example/x)"],
    ["backslash trick", "[klick](/\\evil.example)"],
  ])("unsafe links are not links: %s", (_name, text) => {
    const out = html(text);
    expect(out).not.toContain("<a");
    expect(out).toContain("klick");
  });

  test("web links open in a new tab without giving it this page", () => {
    expect(html("[Doku](https://example.com/a?b=1&c=2)")).toContain(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer nofollow">Doku</a>',
    );
    expect(html("siehe https://example.com")).toContain('href="https://example.com/"');
    expect(html("[Mail](mailto:anna@example.com)")).toContain('href="mailto:anna@example.com"');
  });

  test("links into Kontor stay in the tab", () => {
    expect(html("[hier](/c/01abc?m=01def)")).toContain('<a href="/c/01abc?m=01def">hier</a>');
  });

  test("images are never loaded from a message; they become links", () => {
    const out = html("![Plan](https://tracker.example/pixel.png)");
    expect(out).not.toContain("<img");
    expect(out).toContain('<a href="https://tracker.example/pixel.png"');
  });

  test("mentions are marked; mine and @channel stand out", () => {
    const out = html("@akoch und @bwagner, @channel: fertig.", "akoch");
    expect(out).toContain('<span class="mention mention-me">@akoch</span>');
    expect(out).toContain('<span class="mention">@bwagner</span>');
    expect(out).toContain('<span class="mention mention-me">@channel</span>');
    // An e-mail address is not a mention.
    expect(html("anna@example.com")).not.toContain("mention");
    // A trailing dot ends the sentence, not the name.
    expect(html("Danke @j.mueller.")).toContain('<span class="mention">@j.mueller</span>.');
  });

  test("no mention inside code", () => {
    expect(html("`@akoch`", "akoch")).toBe('<div class="md"><p><code>@akoch</code></p></div>');
  });

  test("known :shortcodes: become emoji, unknown ones stay", () => {
    const out = html("Fertig :tada: :no_such_thing:");
    expect(out).toContain("🎉");
    expect(out).toContain(":no_such_thing:");
  });

  test("safeHref", () => {
    expect(safeHref("https://a.example")).toBe("https://a.example/");
    expect(safeHref("HTTP://A.example/x")).toBe("http://a.example/x");
    expect(safeHref("/people/akoch")).toBe("/people/akoch");
    expect(safeHref("ftp://a.example")).toBeUndefined();
    expect(safeHref("relative/path")).toBeUndefined();
    expect(safeHref("")).toBeUndefined();
  });

  test("plain text for notifications", () => {
    expect(plainText("**Achtung:** [Plan](https://x.example) ist da\n\n```\ncode\n```")).toBe("Achtung: Plan ist da …");
    expect(plainText("x".repeat(200), 10)).toBe("xxxxxxxxx…");
  });
});
