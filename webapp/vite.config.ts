import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// Where `kontor serve` listens during `npm run dev` (the dev server proxies the API to it).
const apiTarget = process.env.KONTOR_DEV_API ?? "http://127.0.0.1:8080";

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

// serviceWorker fills the service worker's precache list after the bundle
// is known: every emitted file plus the public ones. The list's hash is
// the cache version, so the worker changes (and updates) exactly when the
// app does.
function serviceWorker(): Plugin {
  let publicDir = "";
  return {
    name: "kontor-service-worker",
    apply: "build",
    configResolved(cfg) {
      publicDir = cfg.publicDir;
    },
    generateBundle(_opts, bundle) {
      const sw = bundle["sw.js"];
      if (!sw || sw.type !== "chunk") this.error("sw.js missing from the bundle");
      const emitted = Object.keys(bundle).filter((f) => f !== "sw.js" && !f.endsWith(".map"));
      const pub = publicDir ? listFiles(publicDir).map((p) => relative(publicDir, p).split("\\").join("/")) : [];
      // index.html is emitted after this hook runs; it is the shell every route gets.
      const urls = [...new Set(["index.html", ...emitted, ...pub])].map((f) => "/" + f).sort();
      const version = createHash("sha256").update(urls.join("\n")).digest("hex").slice(0, 12);
      for (const placeholder of ["__KONTOR_PRECACHE__", "__KONTOR_VERSION__"]) {
        if (!sw.code.includes(placeholder)) this.error(`${placeholder} missing from sw.js`);
      }
      sw.code = sw.code
        .replace("__KONTOR_PRECACHE__", JSON.stringify(urls))
        .replace("__KONTOR_VERSION__", JSON.stringify(version));
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker()],
  build: {
    outDir: "dist/app",
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: { index: "index.html", sw: "src/sw/sw.ts" },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  server: {
    proxy: { "/api": { target: apiTarget, ws: true } },
  },
});
