import adapter from "@sveltejs/adapter-node";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: "build", precompress: true }),
    // Forms post only from this origin (Origin header check); cookies are SameSite=Lax as well.
    csrf: { trustedOrigins: [] },
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self"],
        // SvelteKit's route announcer (hidden, for screen readers) is positioned by a style
        // attribute; attributes cannot load or select anything, unlike style elements.
        "style-src-attr": ["unsafe-inline"],
        "img-src": ["self", "data:"],
        "media-src": ["self"],
        "font-src": ["self"],
        "connect-src": ["self"],
        // Artifacts (prototype, explainer, email previews) come from this origin, each sandboxed
        // by its own response header and the iframe's sandbox attribute.
        "frame-src": ["self"],
        "frame-ancestors": ["none"],
        "form-action": ["self"],
        "base-uri": ["none"],
        "object-src": ["none"],
      },
    },
  },
};
