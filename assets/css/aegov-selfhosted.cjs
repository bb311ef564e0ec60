/*
 * Thin wrapper around the @aegov/design-system Tailwind 4 plugin.
 *
 * The upstream plugin's base layer ships 36 `@font-face` rules whose `src`
 * points at fonts.gstatic.com. Manassa self-hosts its fonts (no CDN, and the
 * Content-Security-Policy only allows `font-src 'self'`), so those remote
 * rules are dropped here. Everything else (colour tokens, base, components,
 * utilities, theme config) is passed through unchanged.
 *
 * Used from assets/css/manassa.css as:  @plugin "./aegov-selfhosted.cjs";
 */
const aegov = require("@aegov/design-system");

const isRemote = (face) => /url\(\s*['"]?(https?:)?\/\//i.test(String(face && face.src));

function withoutRemoteFonts(styles) {
  if (!styles || typeof styles !== "object" || !("@font-face" in styles)) return styles;
  const { "@font-face": faces, ...rest } = styles;
  const local = (Array.isArray(faces) ? faces : [faces]).filter((f) => !isRemote(f));
  return local.length ? { ...rest, "@font-face": local } : rest;
}

module.exports = {
  handler(api) {
    return aegov.handler({
      ...api,
      addBase: (styles) => api.addBase(withoutRemoteFonts(styles)),
    });
  },
  config: aegov.config,
};
