/* Keyboard shortcuts of the console, as the big helpdesks have them (the help dialog lists them; "?"
 * opens it). Keys do nothing while the focus is in a field, or with Ctrl, Alt or Meta held.
 *
 * Queue: j / k move to the next / previous row (its number link takes the focus, the row is outlined),
 * Enter or o opens it, x ticks its box (for the actions on a selection), / goes to the search.
 * Ticket page: r opens the reply, n the internal note; j / k go to the next / previous ticket of the queue
 * this browser tab last showed, u back to that queue. The queue's rows are kept for that in
 * sessionStorage (this tab only, gone when it closes): the list as it was shown, and its next page.
 *
 * Markup: <dialog id="shortcut-help" data-page="queue|ticket"> (templates/console/_shortcuts.html); queue
 * rows are tr.queue-row[data-number] with a.queue-open; the ticket page has [data-ticket-number] and the
 * forms #action-respond and #action-note. This file holds no text: the words are the page's. */
(function () {
  "use strict";
  var help = document.getElementById("shortcut-help");
  if (!help) return;
  var kind = help.getAttribute("data-page");
  var STORE = "helpdesk.queue";

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-table tr.queue-row"));
  }

  function currentRow() {
    return document.querySelector("#queue-table tr.queue-row.is-current");
  }

  function mark(row) {
    rows().forEach(function (other) { other.classList.remove("is-current"); });
    if (row) row.classList.add("is-current");
    currentNumber = row ? row.getAttribute("data-number") : null;
  }

  function focusRow(row) {
    mark(row);
    var link = row.querySelector("a.queue-open");
    if (link) link.focus();
    if (row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return;
    var index = list.indexOf(currentRow());
    var next = index === -1 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, index + step));
    focusRow(list[next]);
  }

  function openRow(row) {
    var link = row && row.querySelector("a.queue-open");
    if (link) window.location.assign(link.href);
  }

  function remember() {
    var next = document.querySelector("#queue-table [data-queue-next-page]");
    var state = {
      url: window.location.pathname + window.location.search,
      rows: rows().map(function (row) {
        var link = row.querySelector("a.queue-open");
        return { number: row.getAttribute("data-number"), href: link ? link.getAttribute("href") : "" };
      }),
      next: next ? next.getAttribute("href") : null
    };
    try { window.sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (error) { /* storage off */ }
  }

  function remembered() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE) || "null"); } catch (error) { return null; }
  }

  function stepTicket(step) {
    var state = remembered();
    var holder = document.querySelector("[data-ticket-number]");
    if (!state || !holder || !state.rows) return;
    var number = holder.getAttribute("data-ticket-number");
    var index = -1;
    state.rows.forEach(function (row, position) { if (row.number === number) index = position; });
    var target = index === -1 ? null : state.rows[index + step];
    if (target && target.href) window.location.assign(target.href);
    else if (step > 0 && index !== -1 && state.next) window.location.assign(state.next);
    else if (state.url) window.location.assign(state.url);
  }

  function openForm(id) {
    var details = document.getElementById(id);
    if (!details) return;
    details.open = true;
    var field = details.querySelector("textarea, input:not([type=hidden]), select");
    if (field) field.focus();
    if (details.scrollIntoView) details.scrollIntoView({ block: "nearest" });
  }

  // The row the keyboard was on stays marked when the table refreshes itself or is filtered (htmx swaps it).
  var currentNumber = null;
  function restore() {
    if (!currentNumber) return;
    var row = document.querySelector('#queue-table tr.queue-row[data-number="' + currentNumber + '"]');
    if (row) row.classList.add("is-current");
  }

  // Closing the help puts the focus back where it was (or nowhere), never on the hidden dialog's button.
  var opener = null;
  help.addEventListener("close", function () {
    if (opener && opener !== document.body && document.contains(opener) && opener.focus) opener.focus();
    else if (document.activeElement && help.contains(document.activeElement)) document.activeElement.blur();
    opener = null;
  });

  if (kind === "queue") {
    remember();
    document.body.addEventListener("htmx:afterSettle", restore);
    document.body.addEventListener("htmx:afterSettle", remember);
    document.body.addEventListener("htmx:pushedIntoHistory", remember);
    document.addEventListener("focusin", function (event) {
      var row = event.target && event.target.closest ? event.target.closest("#queue-table tr.queue-row") : null;
      if (row) mark(row);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || help.open) return;
    var key = event.key;
    var onLink = event.target && event.target.matches && event.target.matches("a.queue-open");
    // Enter keeps its own meaning on a button, a link or a control; on the page or a row it opens the row.
    var onPageOrRow = event.target === document.body || (event.target && event.target.matches &&
      event.target.matches("tr.queue-row"));
    if (typing(event.target)) return;
    if (key === "?") {
      event.preventDefault();
      opener = document.activeElement;
      help.showModal();
      return;
    }
    if (kind === "queue") {
      if (key === "j" || key === "k") {
        event.preventDefault();
        move(key === "j" ? 1 : -1);
      } else if (key === "o" || (key === "Enter" && !onLink && onPageOrRow)) {
        if (currentRow()) {
          event.preventDefault();
          openRow(currentRow());
        }
      } else if (key === "x") {
        var box = currentRow() && currentRow().querySelector("input[type=checkbox]");
        if (box) {
          event.preventDefault();
          box.checked = !box.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        }
      } else if (key === "/") {
        var search = document.getElementById("f-search");
        if (search) {
          event.preventDefault();
          search.focus();
          search.select();
        }
      }
    } else if (kind === "ticket") {
      if (key === "r") { event.preventDefault(); openForm("action-respond"); }
      else if (key === "n") { event.preventDefault(); openForm("action-note"); }
      else if (key === "j") { event.preventDefault(); stepTicket(1); }
      else if (key === "k") { event.preventDefault(); stepTicket(-1); }
      else if (key === "u") {
        var state = remembered();
        if (state && state.url) { event.preventDefault(); window.location.assign(state.url); }
      }
    }
  });
})();
