#!/usr/bin/env node
// Copies the third-party runtime assets Manassa serves itself (no CDN) from
// node_modules into src/manassa/static/. Run with `npm run vendor`.
//
//   htmx.org 2.x            -> static/js/htmx.min.js            (0BSD)
//   @fontsource/noto-kufi-arabic 400/600/700, arabic+latin woff2 (OFL-1.1)
//   @fontsource/roboto           400/500/700, latin woff2        (OFL-1.1)
//                           -> static/fonts/ (+ the OFL licence texts)
//
// axe-core is deliberately NOT copied: browser tests read
// node_modules/axe-core/axe.min.js directly.
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));
const staticDir = join(root, "src", "manassa", "static");

const copies = [];
const add = (from, to) => copies.push([from, join(staticDir, to)]);

// htmx: refuse anything but 2.x (4.x is a different API).
const htmxDir = pkgDir("htmx.org");
const htmxVersion = JSON.parse(readFileSync(join(htmxDir, "package.json"), "utf8")).version;
if (!htmxVersion.startsWith("2.")) {
  console.error(`vendor-assets: expected htmx.org 2.x, found ${htmxVersion}`);
  process.exit(1);
}
add(join(htmxDir, "dist", "htmx.min.js"), "js/htmx.min.js");

// Fonts: exactly the files referenced by assets/css/manassa.css.
const fonts = [
  { pkg: "@fontsource/noto-kufi-arabic", id: "noto-kufi-arabic", subsets: ["arabic", "latin"], weights: [400, 600, 700] },
  { pkg: "@fontsource/roboto", id: "roboto", subsets: ["latin"], weights: [400, 500, 700] },
];
const fontsDir = join(staticDir, "fonts");
// Start from a clean fonts dir so removed weights/subsets do not linger.
rmSync(fontsDir, { recursive: true, force: true });
for (const { pkg, id, subsets, weights } of fonts) {
  const dir = pkgDir(pkg);
  for (const subset of subsets) {
    for (const weight of weights) {
      const file = `${id}-${subset}-${weight}-normal.woff2`;
      add(join(dir, "files", file), join("fonts", file));
    }
  }
  add(join(dir, "LICENSE"), join("fonts", `${id}-OFL.txt`));
}

for (const [from, to] of copies) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  console.log(`vendor-assets: ${relative(root, to)}`);
}

// Sanity check: every font URL in the CSS source has a file.
const css = readFileSync(join(root, "assets", "css", "manassa.css"), "utf8");
const shipped = new Set(readdirSync(fontsDir));
const missing = [...css.matchAll(/url\("\.\.\/fonts\/([^"]+)"\)/g)]
  .map((m) => m[1])
  .filter((f) => !shipped.has(f));
if (missing.length) {
  console.error(`vendor-assets: fonts referenced in manassa.css but not copied: ${missing.join(", ")}`);
  process.exit(1);
}
console.log(`vendor-assets: htmx ${htmxVersion}, ${shipped.size} font files`);
