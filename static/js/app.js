// Gatehouse's progressive enhancements. Every page works without this file; it only adds the
// confirmation dialog, copy buttons and bulk selection. No eval, no inline handlers (strict CSP).
(function () {
  "use strict";

  var dialog = function () { return document.getElementById("dialog"); };

  // A confirmation loaded into the dialog by htmx opens as a modal (focus moves into it and
  // Escape closes it); anything else swapped elsewhere moves focus to its [data-autofocus].
  document.addEventListener("htmx:afterSwap", function (e) {
    var d = dialog();
    if (d && e.detail.target === d) {
      if (d.innerHTML.trim() === "") { if (d.open) d.close(); return; }
      if (!d.open) d.showModal();
      var first = d.querySelector("[autofocus], textarea, input:not([type=hidden]), select, button");
      if (first) first.focus();
      return;
    }
    // An outerHTML swap leaves e.detail.target detached: find its replacement by id.
    var t = e.detail.target;
    if (t && t.id && !t.isConnected) t = document.getElementById(t.id) || t;
    if (!t || !t.querySelector) return;
    var af = t.querySelector("[data-autofocus]");
    if (af) { af.focus(); return; }
    // The swap removed what had focus (a form that gave way to its result, an action whose
    // dialog closed): move focus to the new message so keyboard and screen-reader users land
    // on the outcome instead of at the top of the page.
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var msg = t.querySelector(".alert");
    if (!msg) return;
    msg.setAttribute("tabindex", "-1");
    msg.focus();
  });

  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!(t instanceof Element)) return;
    // Cancel buttons inside the dialog close it instead of navigating.
    var closer = t.closest("[data-close-dialog]");
    var d = dialog();
    if (closer && d && d.open && d.contains(closer)) {
      e.preventDefault();
      d.close();
      d.innerHTML = "";
      return;
    }
    // Copy buttons for one-time secrets.
    var copy = t.closest("[data-copy]");
    if (copy) {
      var src = document.getElementById(copy.getAttribute("data-copy"));
      if (!src || !navigator.clipboard) return;
      navigator.clipboard.writeText(src.textContent.trim()).then(function () {
        var status = copy.parentElement.querySelector("[data-copy-status]");
        if (status) status.textContent = status.getAttribute("data-copy-status"); // the page's words
      });
    }
  });

  // Closing the dialog (Escape, or the form inside it submitting) empties it, so the next
  // confirmation starts fresh and focus returns to the page. The close event is queued, not
  // immediate: on a busy machine the next confirmation can arrive and open the dialog before
  // it fires, and emptying it then would leave an open, empty dialog with nothing in focus.
  document.addEventListener("close", function (e) {
    if (e.target === dialog() && !e.target.open) e.target.innerHTML = "";
  }, true);

  // Admin: an error banner swapped into the alerts region while a confirmation is open would
  // sit hidden behind the modal, so the dialog closes to let the message be seen.
  document.addEventListener("htmx:afterSwap", function (e) {
    var d = dialog();
    if (d && d.open && e.detail.target && e.detail.target.id === "alerts") d.close();
  });

  // Text over a field's bound is kept, not cut (no maxlength: browsers truncate pasted text
  // silently), and said at once; the server refuses it with the same words on submit.
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLInputElement) || !t.hasAttribute("data-maxlength")) return;
    var max = parseInt(t.getAttribute("data-maxlength"), 10);
    var note = t.form && t.form.querySelector('[data-over-limit="' + t.name + '"]');
    if (!note || !max) return;
    var n = Array.from(t.value).length;
    note.textContent = n > max ? n + " characters: use at most " + max + "." : "";
  });

  // Bulk selection: "select all" toggles every row checkbox in its table; the selection bar
  // appears once someone is selected, counts them, and offers only the actions that apply to
  // at least one of them (by status). Without this file the bar is always shown, with every
  // action that fits the list, and the preview says person by person what applies.
  // A count in the page's language: the server gives the message's plural forms as
  // data-count-<category> ("#" for the number), and the browser's CLDR rules pick one.
  var countText = function (el, n) {
    var cat = "other";
    try { cat = new Intl.PluralRules(document.documentElement.lang || "en").select(n); } catch (e) { /* an old browser: "other" */ }
    var form = el.getAttribute("data-count-" + cat) || el.getAttribute("data-count-other") || "#";
    return form.replace("#", n.toLocaleString(document.documentElement.lang || "en"));
  };
  var updateBulkBar = function (form) {
    var bar = form.querySelector("[data-bulk-bar]");
    if (!bar) return;
    var picked = Array.prototype.filter.call(form.querySelectorAll("input[type=checkbox][name=id]"), function (cb) { return cb.checked; });
    bar.hidden = picked.length === 0;
    var count = bar.querySelector("[data-selected-count]");
    if (count) count.textContent = countText(count, picked.length);
    var statuses = picked.map(function (cb) { return cb.getAttribute("data-status"); });
    var select = bar.querySelector("select[name=action]");
    if (!select) return;
    var firstFit = null;
    Array.prototype.forEach.call(select.options, function (o) {
      var fits = (o.getAttribute("data-statuses") || "").split(" ").some(function (s) { return statuses.indexOf(s) >= 0; });
      o.disabled = !fits;
      o.hidden = !fits;
      if (fits && !firstFit) firstFit = o;
    });
    if (select.selectedOptions.length === 0 || select.selectedOptions[0].disabled) {
      if (firstFit) firstFit.selected = true;
    }
    var go = bar.querySelector("button[type=submit]");
    if (go) go.disabled = !firstFit;
  };
  // An outerHTML swap leaves the event's element detached, so the whole document is looked at.
  var initBulkBars = function () {
    document.querySelectorAll("form [data-bulk-bar]").forEach(function (bar) { updateBulkBar(bar.closest("form")); });
  };
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (!(t instanceof HTMLInputElement) || t.type !== "checkbox" || !t.form) return;
    if (t.hasAttribute("data-select-all")) {
      t.form.querySelectorAll("input[type=checkbox][name=id]").forEach(function (cb) { cb.checked = t.checked; });
    }
    if (t.hasAttribute("data-select-all") || t.name === "id") updateBulkBar(t.form);
  });
  document.addEventListener("DOMContentLoaded", initBulkBars);
  document.addEventListener("htmx:afterSettle", initBulkBars);

  // The browser's time zone, for people whose Okta profile names none: left in the gh_tz
  // cookie, which the server checks against the tz database (handlers/language.go). Set once
  // and again only when it changes; without this script times are in UTC, labelled.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && /^[A-Za-z0-9_+\-\/]{1,64}$/.test(tz) && document.cookie.split("; ").indexOf("gh_tz=" + tz) < 0) {
      document.cookie = "gh_tz=" + tz + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    }
  } catch (err) { /* no Intl: UTC it is */ }
})();
