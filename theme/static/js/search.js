/* The search page: Pagefind's UI over the language's own index (Pagefind picks it from
   <html lang>), with dates and posters in the results and the header box's query run at once. */
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") { return; }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: element.getAttribute("data-bundle"),
    showImages: true,
    showSubResults: false,
    resetStyles: false,
    processResult: function (result) {
      if (result.meta && result.meta.date) {
        result.excerpt = result.meta.date + " — " + result.excerpt;
      }
      return result;
    }
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
});
