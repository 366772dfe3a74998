/**
 * A playable explainer: one self-contained HTML page whose scenes show the wireframe SVGs with
 * captions and narration, advancing on the storyboard timings. Add "#fast" to the URL to play it
 * twenty times faster (used by tests and for quick reviews).
 */
import { OFFLINE_NOTICE } from "../artifacts.ts";
import type { Explainer } from "../schemas.ts";
import { escapeXml as x } from "./escape.ts";

const PLAYER = `
(function () {
  var scenes = Array.prototype.slice.call(document.querySelectorAll(".scene"));
  var bar = document.getElementById("progress");
  var button = document.getElementById("toggle");
  var speed = location.hash === "#fast" ? 20 : 1;
  var index = 0, timer = null, playing = false;
  function show(i) {
    index = i;
    scenes.forEach(function (s, j) { s.hidden = j !== i; });
    document.body.setAttribute("data-current-scene", scenes[i].id);
    bar.style.width = ((i + 1) / scenes.length * 100) + "%";
  }
  function schedule() {
    clearTimeout(timer);
    if (!playing) return;
    var ms = Number(scenes[index].getAttribute("data-duration")) * 1000 / speed;
    timer = setTimeout(function () {
      if (index + 1 < scenes.length) { show(index + 1); schedule(); }
      else { playing = false; button.textContent = "Replay"; document.body.setAttribute("data-finished", "true"); }
    }, ms);
  }
  button.addEventListener("click", function () {
    if (!playing && index + 1 >= scenes.length && document.body.getAttribute("data-finished")) show(0);
    playing = !playing;
    button.textContent = playing ? "Pause" : "Play";
    document.body.removeAttribute("data-finished");
    schedule();
  });
  show(0);
  playing = true; button.textContent = "Pause"; schedule();
})();
`;

/** `svgs` maps screen ids to the wireframe SVG documents of the same run. */
export function explainerHtml(explainer: Explainer, svgs: ReadonlyMap<string, string>, offline: boolean): string {
  const scenes = explainer.scenes.map((scene, i) => {
    const svg = svgs.get(scene.screenId);
    if (!svg) throw new Error(`explainer_producer: scene ${scene.id} shows unknown screen "${scene.screenId}"`);
    return `<section class="scene" id="${x(scene.id)}" data-screen="${x(scene.screenId)}" data-start="${scene.startSeconds}" data-duration="${scene.durationSeconds}"${i === 0 ? "" : " hidden"}>
<div class="frame">${svg.replace(/^<\?xml[^>]*>\s*/, "")}</div>
<h2 class="caption">${x(scene.caption)}</h2>
<p class="narration">${x(scene.narration)}</p>
</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${x(explainer.title)}</title>
<style>
  body { margin: 0; font-family: system-ui, sans-serif; background: #111827; color: #f9fafb; }
  header { display: flex; align-items: center; gap: 1rem; padding: 0.75rem 1rem; }
  h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  button { padding: 0.4rem 1rem; border-radius: 6px; border: 0; cursor: pointer; }
  .track { height: 4px; background: #374151; }
  #progress { height: 4px; background: #60a5fa; width: 0; transition: width 0.3s; }
  .scene { max-width: 900px; margin: 1rem auto; padding: 0 1rem; }
  .frame { background: #fff; border-radius: 8px; overflow: hidden; max-height: 60vh; overflow-y: auto; }
  .frame svg { width: 100%; height: auto; display: block; }
  .caption { font-size: 1.6rem; margin: 1rem 0 0.4rem; }
  .narration { font-size: 1.05rem; line-height: 1.5; color: #d1d5db; }
  .notice { margin: 0; padding: 0.4rem 1rem; background: #fff3cd; color: #664d03; font-size: 0.8rem; }
</style>
</head>
<body>
${offline ? `<p class="notice" role="note">${x(OFFLINE_NOTICE)}</p>\n` : ""}<header><h1>${x(explainer.title)}</h1><button id="toggle" type="button">Play</button></header>
<div class="track"><div id="progress"></div></div>
${scenes.join("\n")}
<script>${PLAYER}</script>
</body>
</html>
`;
}
