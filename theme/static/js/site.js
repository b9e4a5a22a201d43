/* Remember the language a visitor picks in the switcher, so `/` takes them there next time. */
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a[data-lang]") : null;
  if (!link) { return; }
  try { window.localStorage.setItem("newsreel-lang", link.getAttribute("data-lang")); } catch (e) { /* private mode */ }
});
