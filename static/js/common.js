/* Behaviour shared by the console and the portal, kept out of the pages: the Content-Security-Policy
 * lets no inline script or handler attribute run.
 *
 * <select data-autosubmit> sends its form when changed (the language switch); without scripts its
 * form has a button. <details data-nav-menu> (the header's menus) close when the reader clicks elsewhere.
 */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });
  // The header's <details> menus: one open at a time, closed by a click elsewhere or by Escape.
  function closeMenus(except) {
    document.querySelectorAll("details[data-nav-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest && event.target.closest("details[data-nav-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details[data-nav-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });
})();
