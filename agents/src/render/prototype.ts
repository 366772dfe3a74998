/**
 * The prototype: Svelte 5 screens generated from the wireframes, compiled with the real Svelte
 * compiler and bundled by esbuild into one self-contained HTML page (runtime inlined, no network).
 *
 * Generated Svelte source contains only identifiers and array indices; every piece of intake text
 * travels in `data.json`, so it is rendered as text by Svelte and can never become code.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Plugin } from "esbuild";
import { OFFLINE_NOTICE } from "../artifacts.ts";
import { agentsDir } from "../paths.ts";
import type { UiPattern, Wireframes } from "../schemas.ts";
import { escapeXml, inlineScript } from "./escape.ts";

/** Pattern id → component file in agents/kb/ui-patterns/. */
export const PATTERN_COMPONENTS: Record<UiPattern, string> = {
  nav: "Nav",
  hero: "Hero",
  "feature-grid": "FeatureGrid",
  form: "Form",
  list: "List",
  pricing: "Pricing",
  dashboard: "Dashboard",
  footer: "Footer",
};

/** Which extra props each pattern takes beyond `region`. */
const PATTERN_PROPS: Partial<Record<UiPattern, string>> = { nav: " {current} {go}", hero: " {go}" };

export interface PrototypeSource {
  /** Path inside the prototype, e.g. "App.svelte", "patterns/Nav.svelte", "data.json". */
  path: string;
  code: string;
}

export interface PrototypeBuild {
  sources: PrototypeSource[];
  html: string;
  screens: { id: string; title: string; component: string }[];
  timings: { svelteMs: number; bundleMs: number; compiledComponents: number; cachedComponents: number };
}

function pascal(slug: string): string {
  return slug
    .split("-")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("");
}

function banner(offline: boolean): string {
  return offline ? `<!-- ${OFFLINE_NOTICE} -->\n` : "";
}

export function screenSource(wireframes: Wireframes, index: number, offline: boolean): string {
  const screen = wireframes.screens[index];
  if (!screen) throw new Error(`prototyper: no screen at index ${index}`);
  const used = [...new Set(screen.regions.map((r) => PATTERN_COMPONENTS[r.pattern]))].sort();
  return [
    banner(offline).trimEnd(),
    "<script>",
    ...used.map((c) => `  import ${c} from "./patterns/${c}.svelte";`),
    "  let { screen, current, go } = $props();",
    "</script>",
    "",
    // Screen ids are validated kebab-case slugs, safe as an attribute literal.
    `<main data-screen="${screen.id}">`,
    ...screen.regions.map(
      (r, i) =>
        `  <${PATTERN_COMPONENTS[r.pattern]} region={screen.regions[${i}]}${PATTERN_PROPS[r.pattern] ?? ""} />`,
    ),
    "</main>",
    "",
  ]
    .filter((line, i) => i > 0 || line !== "")
    .join("\n");
}

function appSource(components: { id: string; component: string }[], offline: boolean): string {
  return `${banner(offline)}<script>
  import data from "./data.json";
${components.map((c) => `  import ${c.component} from "./${c.component}.svelte";`).join("\n")}

  const screens = { ${components.map((c) => `"${c.id}": ${c.component}`).join(", ")} };
  const known = (id) => Object.hasOwn(screens, id);
  const fromHash = () => decodeURIComponent(location.hash.replace(/^#\\/?/, ""));
  let current = $state(known(fromHash()) ? fromHash() : data.screens[0].id);

  function go(id) {
    if (!known(id)) return;
    current = id;
    if (fromHash() !== id) location.hash = "/" + id;
    window.scrollTo(0, 0);
  }

  $effect(() => {
    const onHash = () => known(fromHash()) && (current = fromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  });
</script>

{#if data.notice}
  <p class="notice" role="note">{data.notice}</p>
{/if}
{#each data.screens as screen (screen.id)}
  {#if screen.id === current}
    {@const Screen = screens[screen.id]}
    <Screen {screen} {current} {go} />
  {/if}
{/each}

<style>
  .notice { margin: 0; padding: 0.4rem 1.5rem; background: #fff3cd; color: #664d03; font-size: 0.8rem; }
</style>
`;
}

const MAIN_JS = `import { mount } from "svelte";
import App from "./App.svelte";
mount(App, { target: document.getElementById("app") });
`;

/** Compiled output per source hash; pattern components rarely change, so most runs hit it. */
const compileCache = new Map<string, string>();

// The compiler and the bundler load on first use, so importing the pipeline (e.g. in the API
// process) does not pay for them.
const tools = lazy(async () => ({
  compile: (await import("svelte/compiler")).compile,
  build: (await import("esbuild")).build,
}));

function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

function compileSvelte(
  compile: typeof import("svelte/compiler").compile,
  source: string,
  filename: string,
  counters: { compiled: number; cached: number },
): string {
  const key = createHash("sha256").update(filename).update("\0").update(source).digest("hex");
  const hit = compileCache.get(key);
  if (hit !== undefined) {
    counters.cached++;
    return hit;
  }
  const { js } = compile(source, { filename, generate: "client", css: "injected", dev: false });
  counters.compiled++;
  compileCache.set(key, js.code);
  return js.code;
}

function virtualFiles(
  root: string,
  compile: typeof import("svelte/compiler").compile,
  files: Map<string, string>,
  counters: { compiled: number; cached: number },
  timing: { svelteMs: number },
): Plugin {
  return {
    name: "prototype-virtual-files",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^virtual:/ }, (args) => ({
        path: args.path.slice("virtual:".length),
        namespace: "proto",
      }));
      pluginBuild.onResolve({ filter: /^\.\.?\//, namespace: "proto" }, (args) => {
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(args.importer), args.path));
        if (!files.has(resolved)) return { errors: [{ text: `prototype file not found: ${resolved}` }] };
        return { path: resolved, namespace: "proto" };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: "proto" }, (args) => {
        const source = files.get(args.path);
        if (source === undefined) return { errors: [{ text: `prototype file not found: ${args.path}` }] };
        if (args.path.endsWith(".svelte")) {
          const started = performance.now();
          const contents = compileSvelte(compile, source, args.path, counters);
          timing.svelteMs += performance.now() - started;
          return { contents, loader: "js", resolveDir: root };
        }
        return { contents: source, loader: args.path.endsWith(".json") ? "json" : "js", resolveDir: root };
      });
    },
  };
}

function page(title: string, js: string, offline: boolean): string {
  // The CSP is belt and braces: even if something tried, the page may not load anything remote.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(title)}</title>
<style>
  body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2433; background: #fff; }
</style>
</head>
<body>
${offline ? `<!-- ${escapeXml(OFFLINE_NOTICE)} -->\n` : ""}<noscript>${escapeXml(title)} needs JavaScript.${offline ? ` ${escapeXml(OFFLINE_NOTICE)}` : ""}</noscript>
<div id="app"></div>
<script>${inlineScript(js)}</script>
</body>
</html>
`;
}

/** A model-written Svelte component that replaces one screen's generated source. */
export interface CustomScreen {
  screenId: string;
  source: string;
}

/**
 * What a model-written screen may not contain: raw HTML, network or navigation APIs, dynamic code,
 * remote resources, or imports other than the pattern library. The page's CSP blocks the network
 * anyway; this rejects the attempt with a reason the model can act on.
 */
export function unsafeSvelte(source: string): string | undefined {
  const rules: [RegExp, string][] = [
    [/\{@html\b/, "{@html} is not allowed; render text with {expression}"],
    [
      /\b(?:fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts)\b/,
      "network APIs are not allowed",
    ],
    [/\b(?:eval|Function)\s*\(|\bimport\s*\(/, "dynamic code (eval, Function, import()) is not allowed"],
    [
      /\b(?:window\.open|document\.cookie|localStorage|sessionStorage|location\.(?:href|assign|replace))\b/,
      "navigation and storage APIs are not allowed",
    ],
    [/(?:https?:)?\/\/[a-z0-9-]+\.[a-z]/i, "URLs are not allowed"],
    [
      /<(?:iframe|img|link|object|embed|video|audio|source|svelte:head)\b/i,
      "media, frames and <svelte:head> are not allowed",
    ],
    [/<script\b[^>]*\bsrc\s*=/i, "external scripts are not allowed"],
  ];
  for (const [re, why] of rules) if (re.test(source)) return why;
  for (const m of source.matchAll(/\bimport\b[^;'"]*['"]([^'"]+)['"]/g)) {
    if (!/^\.\/patterns\/[A-Za-z]+\.svelte$/.test(m[1] ?? ""))
      return `import "${m[1]}" is not allowed; import only ./patterns/<Pattern>.svelte`;
  }
  return undefined;
}

export async function buildPrototype(
  wireframes: Wireframes,
  offline: boolean,
  custom?: CustomScreen,
): Promise<PrototypeBuild> {
  const root = agentsDir();
  const screens = wireframes.screens.map((s) => ({
    id: s.id,
    title: s.title,
    component: `Screen${pascal(s.id)}`,
  }));
  if (custom) {
    if (!screens.some((s) => s.id === custom.screenId))
      throw new Error(`prototyper: no screen "${custom.screenId}" to replace`);
    const unsafe = unsafeSvelte(custom.source);
    if (unsafe) throw new Error(`prototyper: the custom screen is rejected: ${unsafe}`);
  }
  // A custom screen may use any pattern, so all of them are available to it.
  const usedPatterns = custom
    ? Object.values(PATTERN_COMPONENTS).sort()
    : [
        ...new Set(wireframes.screens.flatMap((s) => s.regions.map((r) => PATTERN_COMPONENTS[r.pattern]))),
      ].sort();

  const sources: PrototypeSource[] = [
    { path: "App.svelte", code: appSource(screens, offline) },
    ...screens.map((s, i) => ({
      path: `${s.component}.svelte`,
      code: custom?.screenId === s.id ? custom.source : screenSource(wireframes, i, offline),
    })),
    ...usedPatterns.map((c) => ({
      path: `patterns/${c}.svelte`,
      code: banner(offline) + readFileSync(path.join(root, "kb", "ui-patterns", `${c}.svelte`), "utf8"),
    })),
    {
      path: "data.json",
      code: `${JSON.stringify({ notice: offline ? OFFLINE_NOTICE : "", productName: wireframes.productName, screens: wireframes.screens }, null, 2)}\n`,
    },
    { path: "main.js", code: (offline ? `// ${OFFLINE_NOTICE}\n` : "") + MAIN_JS },
  ];

  const files = new Map(sources.map((s) => [s.path, s.code]));
  const counters = { compiled: 0, cached: 0 };
  const timing = { svelteMs: 0 };
  const { compile, build } = await tools();
  const started = performance.now();
  const result = await build({
    entryPoints: ["virtual:main.js"],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    conditions: ["svelte", "browser", "production"],
    absWorkingDir: root,
    logLevel: "silent",
    plugins: [virtualFiles(root, compile, files, counters, timing)],
  });
  const bundleMs = performance.now() - started - timing.svelteMs;
  const js = result.outputFiles?.[0]?.text;
  if (!js) throw new Error("prototyper: esbuild produced no output");

  return {
    sources,
    html: page(`${wireframes.productName} prototype`, js, offline),
    screens,
    timings: {
      svelteMs: Math.round(timing.svelteMs),
      bundleMs: Math.round(bundleMs),
      compiledComponents: counters.compiled,
      cachedComponents: counters.cached,
    },
  };
}
