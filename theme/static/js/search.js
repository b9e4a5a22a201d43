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
  /* Pagefind's box has only a title: give it a real label, for screen readers. */
  var labelInput = function () {
    var input = element.querySelector(".pagefind-ui__search-input");
    if (!input) { return false; }
    if (!input.id) {
      input.id = "search-input";
      var label = document.createElement("label");
      label.className = "visually-hidden";
      label.htmlFor = input.id;
      label.textContent = element.getAttribute("data-label") || input.getAttribute("placeholder");
      input.parentNode.insertBefore(label, input);
      input.removeAttribute("title");
    }
    return true;
  };
  if (!labelInput()) {
    new MutationObserver(function (changes, observer) {
      if (labelInput()) { observer.disconnect(); }
    }).observe(element, { childList: true, subtree: true });
  }
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) { ui.triggerSearch(query); }
});
