// Progressive enhancement for the calendar address page: a field that selects its whole text
// when focused or tapped, and a "Copy" button where the browser can copy. Without this script
// the field is still there to select and copy by hand, and the Subscribe link still works.
(function () {
  "use strict";
  document.querySelectorAll("input[readonly].feed-address__input").forEach(function (field) {
    function selectAll() { field.select(); field.setSelectionRange(0, field.value.length); }
    field.addEventListener("focus", selectAll);
    field.addEventListener("click", selectAll);
  });
  if (!navigator.clipboard || !window.isSecureContext) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var wrapper = button.closest(".feed-address__copy");
    var status = wrapper && wrapper.querySelector(".feed-address__copied");
    if (!field || !wrapper) {
      return;
    }
    wrapper.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied"); }
      }, function () {
        field.focus();
      });
    });
  });
})();
