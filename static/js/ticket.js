/* The ticket page: the canned-reply picker and the prefilled resolution message.
 *
 * Picker: <select data-macro-target="ID"> whose options carry the reply's text, already filled in for
 * this ticket by the server, in data-text; choosing one inserts the text into the textarea ID at the
 * cursor (or at its end), then the picker goes back to its prompt. The text is set as a value, never
 * parsed as HTML.
 *
 * Resolution message: a textarea with data-resolution-greeting is kept as the greeting followed by what
 * the technician types as the summary (or else the permanent or temporary fix), until they edit the
 * message themselves. No text of its own: the greeting comes translated from the page.
 */
(function () {
  "use strict";

  document.querySelectorAll("select[data-macro-target]").forEach(function (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      var target = document.getElementById(picker.dataset.macroTarget);
      if (!option || !option.value || !target) return;
      var text = option.dataset.text || "";
      var start = typeof target.selectionStart === "number" ? target.selectionStart : target.value.length;
      var end = typeof target.selectionEnd === "number" ? target.selectionEnd : target.value.length;
      var before = target.value.slice(0, start);
      var after = target.value.slice(end);
      var glue = before && !/\s$/.test(before) ? "\n" : "";
      target.value = before + glue + text + after;
      var caret = (before + glue + text).length;
      target.focus();
      target.setSelectionRange(caret, caret);
      target.dispatchEvent(new Event("input", { bubbles: true }));
      picker.selectedIndex = 0;
    });
  });

  document.querySelectorAll("textarea[data-resolution-greeting]").forEach(function (message) {
    var form = message.form;
    if (!form) return;
    var greeting = message.dataset.resolutionGreeting || "";
    var edited = message.value.trim() !== "" && message.value !== greeting;
    message.addEventListener("input", function (event) {
      if (event.isTrusted) edited = true;
    });
    function source(name) {
      var field = form.querySelector("[name$='-" + name + "']");
      return field ? field.value.trim() : "";
    }
    function refresh() {
      if (edited) return;
      var detail = source("summary") || source("permanent_fix") || source("temporary_fix");
      message.value = detail ? greeting + "\n\n" + detail : greeting;
    }
    ["summary", "permanent_fix", "temporary_fix"].forEach(function (name) {
      var field = form.querySelector("[name$='-" + name + "']");
      if (field) field.addEventListener("input", refresh);
    });
  });
})();
