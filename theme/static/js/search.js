/* The search page: Pagefind's UI over the language's own index (Pagefind picks it from
   <html lang>), in the portal's own words, with dates and posters in the results and the
   header box's query run at once. Pagefind rebuilds excerpts with plain spaces, so they are
   typeset again here with the site's own rules (newsreel.typography, handed over as data).
   A word typed in another spelling ("defense") is searched as the site spells it.
   The result count is spoken once the results settle (#search-status, a polite live region),
   and a query brought from the header box puts the keyboard in this page's box. */
window.addEventListener("DOMContentLoaded", function () {
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") { return; }
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var rules = (data("typography-rules") || []).map(function (rule) {
    return [new RegExp(rule[0], "g"), rule[1]];
  });
  function typeset(text) {
    return rules.reduce(function (out, rule) { return out.replace(rule[0], rule[1]); }, text);
  }
  var translations = data("search-i18n") || {};
  /* a word the reader types that the site spells otherwise ("defense"): its spelling here
     ("defence"), from newsreel/site/data/spellings.toml */
  var spellings = data("search-spellings") || {};
  function spelledAsHere(term) {
    return term.replace(/[A-Za-zÀ-ÿŒœÆæ]+/g, function (word) {
      var here = Object.prototype.hasOwnProperty.call(spellings, word.toLowerCase())
        ? spellings[word.toLowerCase()] : null;
      return here || word;
    });
  }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: element.getAttribute("data-bundle"),
    showImages: true,
    showSubResults: false,
    resetStyles: false,
    openFilters: [],  /* collapsed: on a phone an open list would push the results down */
    translations: translations,
    processTerm: spelledAsHere,
    processResult: function (result) {
      var meta = result.meta || {};
      var date = meta.date;
      delete meta.date;  /* shown before the excerpt, not as an English "Date:" tag */
      /* an excerpt cut just after a quotation or a clause starts with its end: drop it */
      var excerpt = result.excerpt.replace(/^[\s»”:;,.!?)]+/, "");
      result.excerpt = typeset((date ? date + " — " : "") + excerpt);
      if (meta.title) { meta.title = typeset(meta.title); }  /* indexed with plain apostrophes */
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
  var query = new URLSearchParams(window.location.search).get("q");
  /* A query in the URL comes from a search box (the header's, the 404 page's) or a bookmark:
     the reader was typing, so the keyboard goes on in this page's box, at the end of the query,
     where they can refine it; the results follow it, and the live region tells how many.
     Without a query the page is visited to be read: focus stays at the top, where screen
     readers start and the skip link is, and is never taken from an element the reader has
     already reached (Pagefind draws its box a moment after the page loads). */
  var focusInput = function () {
    var input = element.querySelector(".pagefind-ui__search-input");
    var active = document.activeElement;
    if (!query || !input || (active && active !== document.body)) { return; }
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  };
  var ready = function () {
    if (!labelInput()) { return false; }
    focusInput();
    return true;
  };
  if (query) { ui.triggerSearch(query); }
  if (!ready()) {
    new MutationObserver(function (changes, observer) {
      if (ready()) { observer.disconnect(); }
    }).observe(element, { childList: true, subtree: true });
  }

  /* The query stays in the address as it is typed (and in the language switcher's links), so
     Back from a result, a bookmark, a shared link or the other language bring the same search
     back. Escape, which Pagefind answers by emptying the box, leaves the keyboard in the box:
     what the reader types next must not go nowhere. */
  var withQuery = function (href, value) {
    var url = new URL(href, window.location.href);
    if (value) { url.searchParams.set("q", value); } else { url.searchParams.delete("q"); }
    return url.toString();
  };
  var keepQuery = function (value) {
    window.history.replaceState(window.history.state, "", withQuery(window.location.href, value));
    document.querySelectorAll(".lang-switch a[data-lang]").forEach(function (link) {
      link.href = withQuery(link.href, value);
    });
  };
  var isBox = function (node) {
    return node && node.classList && node.classList.contains("pagefind-ui__search-input");
  };
  var typing = null;
  element.addEventListener("input", function (event) {
    if (!isBox(event.target)) { return; }
    window.clearTimeout(typing);
    typing = window.setTimeout(function () { keepQuery(event.target.value.trim()); }, 300);
  });
  element.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !isBox(event.target)) { return; }
    var box = event.target;
    window.setTimeout(function () {
      if (document.activeElement !== box) { box.focus(); }
      keepQuery(box.value.trim());
    }, 0);
  });
  if (query) { keepQuery(query); }  /* the switcher's links carry a query brought here too */

  /* The filter lists stay folded until the reader opens one. `openFilters: []` only adds
     lists to open: Pagefind opens every list by itself when it knows of one filter with six
     values or fewer, and on a slow phone it can draw the first filter before the others, so
     "Catégorie" came open and pushed the results below the screen. A list the reader opened
     (a click on its name, by mouse or keyboard) is left as it is. */
  var openedByReader = {};
  var filterName = function (block) {
    var name = block.querySelector(".pagefind-ui__filter-name");
    return name ? name.textContent.trim() : "";
  };
  element.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest(".pagefind-ui__filter-block > summary");
    if (summary) { openedByReader[filterName(summary.parentNode)] = true; }
  }, true);
  var foldFilters = function () {
    element.querySelectorAll("details.pagefind-ui__filter-block[open]").forEach(function (block) {
      if (!openedByReader[filterName(block)]) { block.open = false; }
    });
  };
  new MutationObserver(foldFilters).observe(element, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["open"]
  });

  /* The count ("6 résultats pour « défense »") in a polite live region, in the page's language
     (it is Pagefind's own message, in the portal's words). Pagefind rewrites its message at
     every keystroke ("Recherche de « d » en cours…"), so the region is written only once the
     message has stood still for a moment and is not that interim one: a screen reader says
     the count once, when the results are there, after typing or ticking a filter. Pagefind's
     visible copy is hidden from screen readers, which would otherwise read the count twice:
     the region, just above the search box, is the one they find when reading the page. */
  var status = document.getElementById("search-status");
  if (!status) { return; }
  var pattern = function (text) {
    var escaped = String(text || "").replace(/\s+/g, " ").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp("^" + escaped.replace(/\\\[SEARCH_TERM\\\]/g, "[\\s\\S]*") + "$");
  };
  var searching = pattern(translations.searching || "Searching for [SEARCH_TERM]...");
  var settle = null;
  var announce = function () {
    var message = element.querySelector(".pagefind-ui__message");
    var text = message ? message.textContent.trim() : "";
    if (searching.test(text.replace(/\s+/g, " "))) { return; }  /* not settled: wait for more */
    if (status.textContent !== text) { status.textContent = text; }
  };
  new MutationObserver(function () {
    var message = element.querySelector(".pagefind-ui__message");
    if (message && message.getAttribute("aria-hidden") !== "true") {
      message.setAttribute("aria-hidden", "true");
    }
    window.clearTimeout(settle);
    settle = window.setTimeout(announce, 600);
  }).observe(element, { childList: true, subtree: true, characterData: true });
});
