/* The account and newsletter forms: fetch to /api, errors in the visitor's language (the API
   answers in it), a live password checklist, "send a new code" with a countdown, the account
   panel, and account-only download links once signed in. Plain script, no framework.

   Registration (design.md: whoever proves the mailbox decides the password): the API checks
   the password at registration but stores it only at verification, so the register page keeps
   what was typed in memory only and sends it with the code from its own verification step; the
   address bar then shows the verify page, which, after a reload, asks for the password again. */
(function () {
  "use strict";
  var i18nNode = document.getElementById("form-i18n");
  var t = i18nNode ? JSON.parse(i18nNode.textContent) : {};
  var lang = document.documentElement.lang || "en";
  var params = new URLSearchParams(window.location.search);
  var RESEND_WAIT_S = 60;

  /* Where to go back after signing in: a path of this site only. The browser's own URL parser
     decides, as it will when the page is left: it drops tabs and line breaks anywhere, so
     "/%09/evil.example" is "//evil.example", another site, though it starts with one slash. */
  function safeReturn(value) {
    if (!value || value.charAt(0) !== "/") { return null; }
    var target;
    try {
      target = new URL(value, window.location.origin);
    } catch (error) {
      return null;
    }
    if (target.origin !== window.location.origin) { return null; }
    return target.pathname + target.search + target.hash;
  }
  var returnTo = safeReturn(params.get("return_to"));
  var home = "/" + lang + "/account/";
  var carriedPassword = null;  /* typed at registration; in memory only, never stored */

  function withReturn(url, email) {
    var target = new URL(url, window.location.href);
    if (returnTo) { target.searchParams.set("return_to", returnTo); }
    if (email) { target.searchParams.set("email", email); }
    return target.pathname + target.search;
  }

  document.querySelectorAll("a[data-keep-return]").forEach(function (link) {
    link.href = withReturn(link.getAttribute("href"));
  });
  document.querySelectorAll("input[type=email]").forEach(function (input) {
    if (!input.value && params.get("email")) { input.value = params.get("email"); }
  });
  document.querySelectorAll("input[data-from-query]").forEach(function (input) {
    input.value = params.get(input.getAttribute("data-from-query")) || "";
  });

  function api(path, method, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "Accept-Language": lang }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      return response.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function statusBox(scope) {
    return scope.querySelector(".form-status");
  }

  function show(box, text, kind) {
    if (!box) { return; }
    box.hidden = false;
    box.textContent = text;
    box.className = "form-status form-status-" + kind;
    box.focus();
  }

  function fieldFor(form, name) {
    return form.querySelector("[name='" + name + "'], [data-name='" + name + "']");
  }

  function collect(form) {
    var body = { lang: lang };
    form.querySelectorAll("input").forEach(function (input) {
      var name = input.getAttribute("data-name") || input.name;
      if (!name) { return; }
      body[name] = input.type === "checkbox" ? input.checked : input.value;
    });
    if (typeof body.code === "string") { body.code = body.code.replace(/\s+/g, ""); }
    if (form.hasAttribute("data-carry-password") && carriedPassword !== null) {
      body.password = carriedPassword;
    }
    return body;
  }

  var FIELD_OF_ERROR = {
    invalid_email: "email", password_policy: "password", invalid_code: "code",
    code_mismatch: "code", code_expired: "code", too_many_attempts: "code",
    invalid_credentials: "password"
  };

  function markRules(form, rules) {
    form.querySelectorAll(".checklist li").forEach(function (item) {
      var failed = rules.indexOf(item.getAttribute("data-rule")) >= 0;
      if (failed) { item.hidden = false; }
      setRule(item, !failed);
    });
  }

  function done(form) {
    var container = form.closest(".form-page, section, article, footer") || document;
    var message = container.querySelector(".form-done");
    if (form.classList.contains("newsletter-form")) { message = form.querySelector(".form-done"); }
    form.querySelectorAll(".field, button[type=submit], .checklist").forEach(function (element) {
      if (!element.closest(".form-done")) { element.hidden = true; }
    });
    container.querySelectorAll(".resend").forEach(function (element) {
      if (!element.closest(".form-done")) { element.hidden = true; }  /* no code to resend now */
    });
    if (message) {
      message.hidden = false;
      message.focus();
    }
    var back = container.querySelector("[data-return-login]");
    if (back) { back.href = returnTo || home; }
  }

  /* After registering: the verification step on the same page, the password kept in memory. */
  function showVerifyStep(form, body) {
    var step = document.querySelector("[data-verify-step]");
    if (!step) { window.location.assign(withReturn(home, body.email)); return; }
    carriedPassword = body.password;
    form.hidden = true;
    step.hidden = false;
    /* The page is now the verification page (its address too): its heading and title follow. */
    var heading = document.querySelector(".form-page h1");
    var title = step.getAttribute("data-step-title");
    if (heading && title) {
      document.title = document.title.replace(heading.textContent, title);
      heading.textContent = title;
    }
    document.querySelectorAll("[data-register-only]").forEach(function (node) { node.hidden = true; });
    step.querySelectorAll("[data-verify-email]").forEach(function (node) {
      if (node.tagName === "INPUT") { node.value = body.email; } else { node.textContent = body.email; }
    });
    var verifyPage = step.getAttribute("data-verify-url");
    if (verifyPage && window.history.replaceState) {
      window.history.replaceState(null, "", withReturn(verifyPage, body.email));
    }
    var code = step.querySelector("input[name=code]");
    if (code) { code.focus(); }
  }

  function apiPath(form) {
    var path = form.getAttribute("data-api");
    var fromQuery = form.getAttribute("data-api-query");
    if (fromQuery) {
      path += "?" + fromQuery + "=" + encodeURIComponent(params.get(fromQuery) || "");
    }
    return path;
  }

  /* A code field keeps digits only: a code pasted from a mail app often comes with spaces
     (" 123456 "), or with the sentence around it. */
  document.querySelectorAll("input[name=code]").forEach(function (input) {
    input.addEventListener("input", function () {
      var digits = input.value.replace(/\D+/g, "").slice(0, 6);
      if (digits !== input.value) { input.value = digits; }
    });
  });

  /* Arriving from "forgot" (?email=): say where the code went, and start at the code. */
  var sentTo = document.querySelector("[data-sent-to]");
  if (sentTo && params.get("email")) {
    sentTo.querySelectorAll("[data-verify-email]").forEach(function (node) {
      node.textContent = params.get("email");
    });
    sentTo.hidden = false;
    var codeField = document.querySelector("form.api-form input[name=code]");
    if (codeField) { codeField.focus(); }
  }

  document.querySelectorAll("form.api-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = statusBox(form);
      var submit = form.querySelector("button[type=submit]");
      form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
      var body = collect(form);
      if (submit) { submit.disabled = true; }
      api(apiPath(form), "POST", body).then(function (answer) {
        if (submit) { submit.disabled = false; }
        if (answer.ok) {
          var next = form.getAttribute("data-next");
          if (next === "verify-step") {
            if (box) { box.hidden = true; }
            showVerifyStep(form, body);
          } else if (next === "return") {
            window.location.assign(returnTo || home);
          } else if (next === "done") {
            if (box) { box.hidden = true; }
            done(form);
          } else {
            window.location.assign(withReturn(next, body.email));
          }
          return;
        }
        var field = fieldFor(form, FIELD_OF_ERROR[answer.data.error] || "");
        if (field) { field.setAttribute("aria-invalid", "true"); }
        if (answer.data.rules) { markRules(form, answer.data.rules); }
        show(box, answer.data.message || t.network, "error");
      }).catch(function () {
        if (submit) { submit.disabled = false; }
        show(box, t.network, "error");
      });
    });
  });

  /* Live checklist: the same rules the server applies, on the same NFKC-normalised text,
     counting characters as Python does (code points); only printable punctuation and symbols
     count as symbols (the common-password rule is checked there, and shown when it fails). */
  function length(p) { return Array.from(p).length; }
  var CHECKS = {
    min_length: function (p) { return length(p) >= 12; },
    no_spaces: function (p) { return !/\s/u.test(p); },
    lowercase: function (p) { return /\p{Ll}/u.test(p); },
    uppercase: function (p) { return /\p{Lu}/u.test(p); },
    digit: function (p) { return /\p{Nd}/u.test(p); },
    symbol: function (p) { return /[\p{P}\p{S}]/u.test(p); },
    too_long: function (p) { return length(p) <= 256; }
  };

  function setRule(item, met) {
    item.classList.toggle("met", met);
    item.classList.toggle("unmet", !met);
    var state = item.querySelector(".rule-state") || document.createElement("span");
    state.className = "rule-state visually-hidden";
    state.textContent = " (" + (met ? t.met : t.unmet) + ")";
    item.appendChild(state);
  }

  document.querySelectorAll("input[data-policy]").forEach(function (input) {
    var list = document.getElementById(input.id + "-rules");
    var update = function () {
      list.querySelectorAll("li").forEach(function (item) {
        var check = CHECKS[item.getAttribute("data-rule")];
        if (check) {
          var met = check(input.value.normalize("NFKC"));
          if (item.getAttribute("data-rule") === "too_long") { item.hidden = met; }
          setRule(item, met);
        }
      });
    };
    input.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-toggle-password"));
    button.addEventListener("click", function () {
      var showing = input.type === "text";
      input.type = showing ? "password" : "text";
      button.setAttribute("aria-pressed", String(!showing));
      button.textContent = showing ? t.show : t.hide;
    });
  });

  /* "Didn't receive a code? Send a new code", with a visible countdown. */
  document.querySelectorAll("[data-resend]").forEach(function (button) {
    var counter = button.parentNode.querySelector(".countdown");  /* seen, ticking */
    var said = button.parentNode.querySelector("[data-resend-said]");  /* heard, once */
    /* its form's status line: the nearest form, step or page around it (on the register page
       the first status line is the hidden registration form's) */
    var scope = button.closest("form, section, .form-page") || document;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-email-from") || "email");
      var box = statusBox(scope);
      button.disabled = true;
      api("/api/account/code", "POST", {
        email: source ? source.value : "", purpose: button.getAttribute("data-resend"), lang: lang
      }).then(function (answer) {
        var wait = RESEND_WAIT_S;
        if (!answer.ok) {
          show(box, answer.data.message || t.network, "error");
          wait = answer.data.retry_after || 0;
          if (!wait) { button.disabled = false; return; }
        } else {
          if (box) { box.hidden = true; }  /* an error about the last code no longer applies */
          scope.querySelectorAll("input[name=code][aria-invalid]").forEach(function (input) {
            input.removeAttribute("aria-invalid");
            input.value = "";  /* the new code goes here */
          });
          if (counter) { counter.textContent = t.sent; }
          if (said) { said.textContent = t.sent_wait.replace("{seconds}", wait); }
        }
        var tick = function () {
          if (wait <= 0) {
            button.disabled = false;
            if (counter) { counter.textContent = ""; }
            if (said) { said.textContent = ""; }
            return;
          }
          if (counter) { counter.textContent = t.again_in.replace("{seconds}", wait); }
          wait -= 1;
          window.setTimeout(tick, 1000);
        };
        window.setTimeout(tick, answer.ok ? 1500 : 0);
      }).catch(function () {
        button.disabled = false;
        show(box, t.network, "error");
      });
    });
  });

  /* The account panel, and download links that need an account. */
  var panel = document.querySelector("[data-account-panel]");
  var accountLinks = document.querySelectorAll("a[data-download]");
  if (panel || accountLinks.length) {
    api("/api/account/me", "GET").then(function (answer) {
      if (!answer.ok) { return; }
      accountLinks.forEach(function (link) {
        link.href = link.getAttribute("data-download");
        link.textContent = t.download;
        link.classList.remove("button-quiet");
      });
      if (!panel) { return; }
      panel.querySelector("[data-when='signed-out']").hidden = true;
      panel.querySelector("[data-when='signed-in']").hidden = false;
      panel.querySelector("[data-account-email]").textContent = answer.data.email;
      var box = statusBox(panel);
      var letter = panel.querySelector("[data-account-newsletter]");
      letter.checked = !!answer.data.newsletter;
      letter.addEventListener("change", function () {
        api("/api/account/newsletter", "POST", { newsletter: letter.checked, lang: lang }).then(function (reply) {
          show(box, reply.ok ? t.saved : (reply.data.message || t.network), reply.ok ? "ok" : "error");
        });
      });
      panel.querySelector("[data-logout]").addEventListener("click", function () {
        api("/api/account/logout", "POST", {}).then(function () { window.location.reload(); });
      });
      panel.querySelector("[data-delete-account]").addEventListener("click", function () {
        if (!window.confirm(t.confirm_delete)) { return; }
        api("/api/account", "DELETE", {}).then(function (reply) {
          if (reply.ok) { window.location.assign("/" + lang + "/"); }
          else { show(box, reply.data.message || t.network, "error"); }
        });
      });
    });
  }
})();
