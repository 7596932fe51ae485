// Builds the portal's static folder from the pinned npm packages: GOV.UK Frontend's stylesheet (with the
// project's fonts instead of GOV.UK's own, which is licensed to GOV.UK only) and its right-to-left mirror made
// by rtlcss, its script and images, and the Vazirmatn and Be Vietnam Pro fonts. Nothing is fetched at run time.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import rtlcss from "rtlcss";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
const modules = join(here, "node_modules");
const govuk = join(modules, "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "fonts"), { recursive: true });

const css = readFileSync(join(govuk, "govuk-frontend.min.css"), "utf8")
  .replace(/@font-face\{[^}]*GDS Transport[^}]*\}/g, "")
  .replaceAll("font-family:GDS Transport,arial,sans-serif", "font-family:var(--ej-font)")
  .replaceAll("GDS Transport", "var(--ej-font)")
  .replaceAll("url(/assets/", "url(/static/govuk/");
writeFileSync(join(out, "govuk-frontend.css"), css);
writeFileSync(join(out, "govuk-frontend.rtl.css"), rtlcss.process(css));
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images"), join(out, "govuk", "images"), { recursive: true });

const fonts = [
  [join(modules, "@fontsource", "vazirmatn", "files"), /^vazirmatn-(arabic|latin)-(400|700)-normal\.woff2$/],
  [join(modules, "@fontsource", "be-vietnam-pro", "files"), /^be-vietnam-pro-(vietnamese|latin|latin-ext)-(400|700)-normal\.woff2$/],
];
for (const [folder, wanted] of fonts) {
  for (const name of readdirSync(folder).filter((n) => wanted.test(n))) cpSync(join(folder, name), join(out, "fonts", name));
}
cpSync(join(here, "portal.css"), join(out, "portal.css"));
cpSync(join(here, "portal.js"), join(out, "portal.js"));
