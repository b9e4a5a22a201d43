/* "Make your own clip" (issue 15), the part every video page loads: it shows the control (it
   needs JavaScript, so the page hides it), gives each shot of the shot list an In and an Out
   button, and loads the panel (clip-panel.js) only when the visitor uses one of them or arrives
   with a selection in the link (#t=12.48,24.96). A page view costs this small file, no more. */

const root = document.getElementById("clip");
const player = document.getElementById("player");
if (root && player) {
  const words = JSON.parse(root.querySelector(".clip-words").textContent);
  let panel = null;
  /** The panel, imported and wired once. */
  const withPanel = (use) => {
    // While clips are made, the player keeps the progressive file, the very rendition a clip
    // is cut from, rather than switching to adaptive streaming (player.js): what the visitor
    // steps through frame by frame is what the clip holds.
    player.dataset.frameExact = "true";
    panel ??= import(root.dataset.panel).then((module) => module.setUp(root, player));
    panel.then(use, (error) => {
      panel = null; // a network hiccup: the next click tries again
      console.error(error);
    });
  };
  const hasSelection = () => /(?:^#|&)t=/.test(window.location.hash);

  root.querySelector(".clip-toggle").addEventListener("click", () => withPanel((p) => p.toggle()));

  document.querySelectorAll(".shotlist .shots li").forEach((item) => {
    const seek = item.querySelector("[data-seek]");
    if (!seek) return;
    const group = document.createElement("span");
    group.className = "clip-shot";
    for (const [point, label, long] of [
      ["in", words.in_short, words.set_in_at],
      ["out", words.out_short, words.set_out_at],
    ]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "clip-shot-button";
      button.textContent = label;
      button.setAttribute("aria-label", long.replace("{time}", seek.textContent.trim()));
      button.addEventListener("click", () =>
        withPanel((p) => p.shot(point, Number(seek.dataset.seek))),
      );
      group.append(button);
    }
    seek.after(group);
  });

  window.addEventListener("hashchange", () => {
    if (hasSelection()) withPanel((p) => p.fromFragment());
  });
  root.hidden = false;
  if (hasSelection()) withPanel((p) => p.fromFragment());
}
