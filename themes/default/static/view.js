// The cable page's text view: reading (running text) or original lines.
// The radio buttons switch it without this script (the stylesheet reads
// :checked); this only remembers the choice across pages and opens the
// routing header with the original lines.
(function () {
  "use strict";
  var KEY = "cablesite-view";
  var original = document.querySelector('#text input[value="original"]');
  var reading = document.querySelector('#text input[value="reading"]');
  var routing = document.getElementById("routing");
  if (!original || !reading) return;

  function show(view) {
    (view === "original" ? original : reading).checked = true;
    if (routing) routing.open = view === "original";
  }

  function remembered() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (e) {
      return null; // storage refused (private mode, file: pages): the default stays
    }
  }

  function remember(view) {
    try {
      window.localStorage.setItem(KEY, view);
    } catch (e) {
      /* not remembered: the choice still holds on this page */
    }
  }

  if (remembered() === "original") show("original");
  [original, reading].forEach(function (input) {
    input.addEventListener("change", function () {
      show(input.value);
      remember(input.value);
    });
  });
})();
