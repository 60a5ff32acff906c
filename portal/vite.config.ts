// The portal's build: a static single-page app written to dist/portal, which the Worker serves as
// its assets (wrangler.toml [assets], scripts/lib/worker-host.ts). The first-load size is printed
// after every build because the budget (200 KB gzipped) is a release gate, not a hope.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

const OUT = path.resolve(import.meta.dirname, "../dist/portal");

/** Sums the gzipped size of the JS the entry page loads before any lazy route. */
function firstLoadReport(): Plugin {
  return {
    name: "first-load-report",
    apply: "build",
    closeBundle() {
      const html = readFileSync(path.join(OUT, "index.html"), "utf8");
      const scripts = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]!);
      let gz = 0;
      for (const s of new Set(scripts)) gz += gzipSync(readFileSync(path.join(OUT, s.replace(/^\//, "")))).length;
      const kb = (gz / 1024).toFixed(1);
      console.log(`portal first-load JS: ${kb} KB gzipped (${scripts.length} files; budget 200 KB)`);
      if (gz > 200 * 1024) throw new Error(`first-load JS ${kb} KB gzipped exceeds the 200 KB budget`);
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: OUT,
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      // @scure/base marks pure calls in a place Rollup cannot use; harmless, and not ours to change.
      onwarn(warning, warn) {
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("node_modules")) return;
        warn(warning);
      },
    },
  },
  plugins: [firstLoadReport()],
});
