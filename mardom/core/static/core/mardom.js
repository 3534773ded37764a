// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  var persianPage = document.documentElement.lang === "fa";
  function latinDigits(text) {
    return text.replace(/[\u06F0-\u06F9\u0660-\u0669]/g, function (d) {
      var code = d.charCodeAt(0);
      return String(code >= 0x06F0 ? code - 0x06F0 : code - 0x0660);
    });
  }
  function persianDigits(text) {
    return text.replace(/[0-9]/g, function (d) { return String.fromCharCode(0x06F0 + Number(d)); });
  }
  if (window.jalaliDatepicker) {
    // The picker writes Latin digits into the input; the server accepts every digit form.
    // Typing "۱۴۰۳/۱۲/۳۰" is the fast way; the calendar opens only from its own button, so it never
    // covers the form while a person is typing.
    window.jalaliDatepicker.startWatch({ persianDigits: true, autoShow: false, autoReadOnlyInput: false,
      showTodayBtn: true, showEmptyBtn: true, zIndex: 1000 });
    document.querySelectorAll("input[data-jdp]").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "calendar-button";
      // An inline icon: phones without an emoji font would show an empty box.
      button.innerHTML = '<svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" ' +
        'stroke-width="2" aria-hidden="true"><rect x="3" y="5" width="18" height="16" rx="2"/>' +
        '<path d="M3 10h18M8 3v4M16 3v4"/></svg>';
      button.setAttribute("aria-label", document.body.dataset.calendarLabel || "calendar");
      // The picker parses the field with parseInt, which reads "۱۴۰۵/۰۹/۱۰" as nothing (it then opened on
      // Farvardin with no years and no days): hand it Latin digits, and give the page's digits back after.
      button.addEventListener("click", function () {
        input.value = latinDigits(input.value);
        window.jalaliDatepicker.show(input);
      });
      // The picker writes Latin digits, then closes; once it has, the field takes the page's digits again.
      input.addEventListener("change", function () {
        if (persianPage) { setTimeout(function () { input.value = persianDigits(input.value); }, 0); }
      });

      var wrap = document.createElement("span");
      wrap.className = "date-input";
      input.parentNode.insertBefore(wrap, input);
      wrap.appendChild(input);
      wrap.appendChild(button);
    });
    // On a phone the picker is a bottom sheet over a dimmed page; a tap on the dimmed part closes it.
    document.addEventListener("click", function (event) {
      if (event.target && event.target.tagName === "JDP-OVERLAY") { window.jalaliDatepicker.hide(); }
    });
  }
  // After a refused submit, take a phone user to what needs fixing: focus the first field in error (the
  // summary at the top of the form lists them all, each a link to its field).
  var invalid = document.querySelector(".field.invalid input:not([type=hidden]), .field.invalid select, " +
    ".field.invalid textarea");
  if (invalid) {
    invalid.focus({ preventScroll: true });
    (document.querySelector("[data-error-summary]") || invalid).scrollIntoView({ block: "start" });
  } else if (document.querySelector("[data-error-summary]")) {
    document.querySelector("[data-error-summary]").scrollIntoView({ block: "start" });
  }
  // One-tap money decisions ask first: <button data-confirm="…"> or <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();  // not counted as submitted: the person may press again
    }
  }, true);
  // Stop double submits: a second click on a form that is already on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () { delete form.dataset.submitted; }, 5000);
  });
})();
