// Place picker (mardom/geo/forms.py PlacePickerWidget): clicking an option fills the hidden input and the
// label. One delegated listener serves every picker on the page, including options htmx swaps in later,
// and the guard keeps it single when several pickers each include this script.
(function () {
  "use strict";
  if (window.mardomPlacePicker) return;
  window.mardomPlacePicker = true;

  // Enter in the search box would submit the whole form with no place chosen; it searches instead
  // (type="search" fires the "search" event the widget's hx-trigger listens to).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.closest) return;
    if (event.target.matches('[data-place-picker] input[type="search"]')) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".place-option");
    if (!option) return;
    var picker = option.closest("[data-place-picker]");
    if (!picker) return;
    event.preventDefault();
    var hidden = picker.querySelector("[data-place-value]");
    hidden.value = option.dataset.placeId;
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
    picker.querySelector("[data-place-label]").textContent = option.dataset.placeLabel;
    var search = picker.querySelector('input[type="search"]');
    var results = picker.querySelector(".place-picker-results");
    if (results) results.innerHTML = "";
    if (search) {
      search.value = "";
      search.focus();
    }
  });
})();
