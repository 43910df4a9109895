// Renders the PNG app icons from the SVGs in public/icons with the
// system's Chromium. Run it after changing an SVG: node scripts/make-icons.mjs
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { chromiumArgs, chromiumPath } from "../e2e/chromium.mjs";

const dir = new URL("../public/icons/", import.meta.url);
const jobs = [
  ["icon.svg", "icon-192.png", 192],
  ["icon.svg", "icon-512.png", 512],
  ["../../icons/icon-maskable.svg", "icon-maskable-512.png", 512],
];
const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
try {
  for (const [svg, png, size] of jobs) {
    const page = await browser.newPage({ viewport: { width: size, height: size } });
    const src = readFileSync(new URL(svg, dir), "utf8");
    await page.setContent(`<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${src}`);
    await page.screenshot({ path: new URL(png, dir).pathname, omitBackground: true });
    await page.close();
    console.log(`wrote public/icons/${png}`);
  }
} finally {
  await browser.close();
}
