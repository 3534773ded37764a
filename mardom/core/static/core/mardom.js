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
      input.addEventListener("change", function () {
        setTimeout(function () {
          if (!window.jalaliDatepicker.isShow && persianPage) { input.value = persianDigits(input.value); }
        }, 0);
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
  // Stop double submits: a second click on a form that is already on its way does nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    setTimeout(function () { delete form.dataset.submitted; }, 5000);
  });
})();
