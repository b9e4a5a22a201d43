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
