/* The phone menu: the header's "Menu" link (which opens the sections with `:target` when
   scripts are off) becomes a disclosure button. */
(function () {
  var link = document.querySelector("[data-menu-button]");
  var menu = document.getElementById("site-menu");
  if (!link || !menu) { return; }
  var button = document.createElement("button");
  button.type = "button";
  button.className = link.className;
  button.textContent = link.textContent;
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", "site-menu");
  link.replaceWith(button);
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    menu.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      button.click();
      button.focus();
    }
  });
})();

/* Remember the language a visitor picks in the switcher, so `/` takes them there next time. */
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-lang]") : null;
  if (!link) { return; }
  try { window.localStorage.setItem("newsreel-lang", link.getAttribute("data-lang")); } catch (e) { /* private mode */ }
});

/* The video page: time codes seek the player; SHA-256 sums copy to the clipboard. */
document.addEventListener("click", function (event) {
  var seek = event.target.closest ? event.target.closest("[data-seek]") : null;
  var player = document.getElementById("player");
  if (seek && player) {
    player.currentTime = parseFloat(seek.getAttribute("data-seek"));
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
    player.focus();
    return;
  }
  var copy = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (copy && navigator.clipboard) {
    navigator.clipboard.writeText(copy.getAttribute("data-copy")).then(function () {
      copy.setAttribute("data-copied", "true");
      var status = copy.querySelector(".copy-status") || document.createElement("span");
      status.className = "copy-status";
      status.setAttribute("role", "status");
      status.textContent = " ✓";
      copy.appendChild(status);
    });
  }
});

/* The download panel: back from signing in (`#dl-<cut>-<format>`), the chooser shows the
   format the visitor had chosen, and the page scrolls to it. */
(function () {
  var id = decodeURIComponent(window.location.hash.slice(1));
  var item = id ? document.getElementById(id) : null;
  if (!item || !item.classList.contains("get-item")) { return; }
  var version = item.closest(".version");
  var chooser = version && version.querySelector("select");
  var index = Array.prototype.indexOf.call(item.parentNode.children, item);
  if (!chooser || index < 0) { return; }
  chooser.selectedIndex = index;
  version.scrollIntoView();
  chooser.focus();
})();
