/* `/` sends the visitor to their language: the one they picked before, else their browser's.
   Without JavaScript the page simply shows one plain link per language. */
(function () {
  var supported = ["en", "fr"];
  var choice = null;
  try { choice = window.localStorage.getItem("newsreel-lang"); } catch (e) { choice = null; }
  if (supported.indexOf(choice) < 0) {
    choice = null;
    var wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
    for (var i = 0; i < wanted.length && !choice; i++) {
      var code = String(wanted[i]).toLowerCase().split("-")[0];
      if (supported.indexOf(code) >= 0) { choice = code; }
    }
  }
  window.location.replace((choice || supported[0]) + "/");
})();
