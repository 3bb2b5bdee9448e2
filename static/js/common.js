/* Behaviour shared by the console and the portal, kept out of the pages: the Content-Security-Policy
 * lets no inline script or handler attribute run.
 *
 * <select data-autosubmit> sends its form when changed (the language switch); without scripts its
 * form has a button.
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
})();
