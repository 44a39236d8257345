/* Consortium's few behaviours. Everything works without this file; it only adds conveniences.
   Loaded as a static file: the Content Security Policy allows no inline script. */
(function () {
  "use strict";

  // After a form comes back with problems, or a result appears, move focus there so it is read out first.
  function focusOnLoad(root) {
    var target = root.querySelector("[data-error-summary]") || root.querySelector("[data-focus-on-load]");
    if (target) {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  // "Copy" buttons next to read-only link fields.
  function copyFrom(button) {
    var id = button.getAttribute("data-copy-target");
    var input = document.getElementById(id);
    var done = document.querySelector('[data-copy-done="' + id + '"]');
    if (!input) return;
    function said(text) { if (done) done.textContent = text; }
    function fallback() {
      input.focus();
      input.select();
      try {
        said(document.execCommand("copy") ? "Copied." : "Press Ctrl+C (or Cmd+C) to copy the selected link.");
      } catch (e) {
        said("Press Ctrl+C (or Cmd+C) to copy the selected link.");
      }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { said("Copied."); }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // Select the whole link when a read-only link field gets focus, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.classList && event.target.classList.contains("copy-box__input")) event.target.select();
  });

  // Rules: typing a rule's figure (or choosing one of its options) ticks the rule, so a figure is never left out
  // because its box was not ticked. Unticking stays the convenor's choice. (Without this file the server asks.)
  function ruleCardField(field) {
    var card = field && field.closest ? field.closest(".rule-card") : null;
    if (!card) return;
    var toggle = card.querySelector(".rule-card__toggle .checkboxes__input");
    if (!toggle) return;
    if (field !== toggle) {
      var filled = field.type === "checkbox" ? field.checked : field.value.trim() !== "";
      if (!filled || toggle.checked) return;
      toggle.checked = true;
    }
    card.classList.toggle("rule-card--on", toggle.checked);
  }

  // The deadline's date and time, said back in words ("That is Friday 26 June 2026 at 17:00, UK time."), so a
  // month-first date (06/07) is caught before it is saved.
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function readDeadline() {
    var out = document.querySelector("[data-deadline-reads]");
    var day = document.getElementById("deadline_date");
    var at = document.getElementById("deadline_time");
    if (!out || !day || !at) return;
    var uk = /^\s*(\d{1,2})\s*[\/.\-\s]\s*(\d{1,2})\s*[\/.\-\s]\s*(\d{4})\s*$/.exec(day.value);
    var iso = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(day.value);
    var parts = uk ? [+uk[3], +uk[2], +uk[1]] : iso ? [+iso[1], +iso[2], +iso[3]] : null;
    var when = parts ? new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], 12)) : null;
    if (!when || when.getUTCMonth() !== parts[1] - 1 || when.getUTCDate() !== parts[2]) {
      out.textContent = "";
      return;
    }
    var weekday = when.toLocaleDateString("en-GB", { weekday: "long", timeZone: "UTC" });
    var month = when.toLocaleDateString("en-GB", { month: "long", timeZone: "UTC" });
    var words = weekday + " " + parts[2] + " " + month + " " + parts[0];  // "Friday 26 June 2026", as pages write it
    var time = /^\s*(\d{1,2})\s*[:.]?\s*(\d{2})\s*$/.exec(at.value);
    var hours = time ? +time[1] : -1;
    var minutes = time ? +time[2] : -1;
    var clock = hours >= 0 && hours < 24 && minutes < 60 ? " at " + two(hours) + ":" + two(minutes) : "";
    out.textContent = "That is " + words + clock + ", UK time.";
  }

  document.addEventListener("input", function (event) {
    ruleCardField(event.target);
    if (event.target.closest && event.target.closest("[data-uk-deadline]")) readDeadline();
  });
  document.addEventListener("change", function (event) { ruleCardField(event.target); });

  // The live dashboard polls for its figures (HTMX, every few seconds). When a poll fails, say so: the figures on
  // screen may be stale. HTMX keeps polling by itself; the first poll that succeeds again clears the notice.
  var lostAt = null;
  function fromLiveRegion(event) {
    var config = event.detail && event.detail.requestConfig;
    var target = config && config.target;
    return !!(target && target.classList && target.classList.contains("live-region"));
  }
  function ukClock(when) {
    return when.toLocaleTimeString("en-GB", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "Europe/London"
    });
  }
  function markStale(stale) {
    var regions = document.querySelectorAll(".live-region");
    for (var i = 0; i < regions.length; i++) regions[i].classList.toggle("live-region--stale", stale);
  }
  function connectionLost(event) {
    var status = document.querySelector("[data-live-status]");
    if (!status || !fromLiveRegion(event)) return;
    if (!lostAt) {
      lostAt = new Date();
      status.textContent = "Lost connection at " + ukClock(lostAt) +
        " \u2014 these figures may be out of date. Retrying\u2026";
    }
    markStale(true);
  }
  document.addEventListener("htmx:sendError", connectionLost);
  document.addEventListener("htmx:responseError", connectionLost);
  document.addEventListener("htmx:timeout", connectionLost);
  document.addEventListener("htmx:afterRequest", function (event) {
    var status = document.querySelector("[data-live-status]");
    if (!status || !lostAt || !fromLiveRegion(event) || !event.detail.successful) return;
    lostAt = null;
    status.textContent = "";
    markStale(false);
  });

  document.addEventListener("DOMContentLoaded", function () {
    focusOnLoad(document);
    readDeadline();
  });

  // HTMX: when a "what if" comparison arrives, move focus to its heading.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "what-if-result") {
      // Keep the member chooser in step with the comparison shown, however it was asked for (link or chooser).
      var shown = target.querySelector("[data-what-if-member]");
      var chooser = document.getElementById("without");
      if (chooser) chooser.value = shown ? shown.getAttribute("data-what-if-member") : "";
      var heading = target.querySelector("#what-if-heading");
      if (heading) heading.focus();
    }
  });
})();
