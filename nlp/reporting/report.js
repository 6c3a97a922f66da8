// Filter the document cards by the words typed (all must occur in the title, place, province, year or source).
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var count = document.getElementById("filter-count");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.doc"));
  function apply() {
    var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    cards.forEach(function (card) {
      var text = card.getAttribute("data-search").toLowerCase();
      var visible = words.every(function (word) { return text.indexOf(word) >= 0; });
      card.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = shown + " of " + cards.length + " documents";
  }
  input.addEventListener("input", apply);
  apply();
})();
