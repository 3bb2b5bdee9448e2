/* SLA countdowns that tick without a reload.
 *
 * Markup: <span class="sla-badge sla-STATE" data-due="ISO-8601" data-risk-at="ISO-8601"
 *          data-due-label="02 Dec 22:32 WIB" data-state="ok|at_risk|breached|met|missed|paused">…</span>
 * The server decides the state (sla.selectors); between page loads this script only moves a badge
 * forward in time (ok → at risk → breached) as its instants pass, and rewrites the time left (or how
 * late it is: "missed by 3 h").
 * Labels come translated from the page (#countdown-labels), so this file holds no text.
 */
(function () {
  "use strict";
  var labelsNode = document.getElementById("countdown-labels");
  var labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  var STATES = ["ok", "at_risk", "breached"];

  function fill(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function span(milliseconds) {
    var minutes = Math.floor(Math.abs(milliseconds) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) parts.push(fill(labels.day, { count: days }));
    if (days || hours) parts.push(fill(labels.hour, { count: hours }));
    if (!days) parts.push(fill(labels.minute, { count: minutes % 60 }));
    return parts.join(" ");
  }

  // How late, as the server says it (console.templatetags.console.lateness_label): "3 h", "2 d 4 h".
  function lateness(milliseconds) {
    var minutes = Math.max(Math.floor(milliseconds / 60000), 0);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) parts.push(fill(labels.late_day, { count: days }));
    if (hours) parts.push(fill(labels.late_hour, { count: hours }));
    if ((minutes % 60 && !days) || !parts.length) parts.push(fill(labels.late_minute, { count: minutes % 60 }));
    return parts.join(" ");
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla-badge[data-due]").forEach(function (badge) {
      var state = badge.dataset.state;
      if (STATES.indexOf(state) === -1) return; // met, missed, paused: nothing ticks
      var due = Date.parse(badge.dataset.due);
      if (isNaN(due)) return;
      var riskAt = Date.parse(badge.dataset.riskAt || "");
      var next = state;
      if (now >= due) next = "breached";
      else if (state === "ok" && !isNaN(riskAt) && now >= riskAt) next = "at_risk";
      if (next !== state) {
        badge.classList.remove("sla-" + state);
        badge.classList.add("sla-" + next);
        badge.dataset.state = next;
      }
      // The deadline keeps its zone label (data-due-label, written by the server in the viewer's zone).
      var text = due > now
        ? fill(labels.due_left, { due: badge.dataset.dueLabel || "", time: span(due - now) })
        : fill(labels.missed_by, { time: lateness(now - due) });
      var stateText = labels[next] || next;
      var timeNode = badge.querySelector(".sla-time");
      var stateNode = badge.querySelector(".sla-state");
      if (timeNode) timeNode.textContent = text;
      if (stateNode) stateNode.textContent = stateText;
    });
  }

  window.helpdeskCountdown = { tick: tick };
  tick();
  setInterval(tick, 15000);
  document.body.addEventListener("htmx:afterSettle", tick);
})();

/* A refreshing element marked data-pause-while-checked="<name>" skips its refresh while any of its
 * checkboxes of that name is ticked (the queue's rows chosen for a bulk action). Done here rather than
 * in an hx-trigger filter, which htmx would evaluate as a string: the Content-Security-Policy runs no
 * eval. */
(function () {
  "use strict";
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (!element || !element.matches || !element.matches("[data-pause-while-checked]")) return;
    var name = element.getAttribute("data-pause-while-checked");
    if (element.querySelector('input[name="' + name + '"]:checked')) event.preventDefault();
  });
})();

/* The new-complaint page: choosing a look-up result fills the hidden customer/service fields and says
 * which was chosen (the buttons carry data-choose-customer, data-choose-service, data-summary and
 * data-zone-hint). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-choose-customer]");
    if (!button) return;
    document.getElementById("id_customer").value = button.dataset.chooseCustomer;
    document.getElementById("id_service").value = button.dataset.chooseService || "";
    document.getElementById("chosen-customer").textContent = button.dataset.summary;
    document.getElementById("incident-zone").textContent = button.dataset.zoneHint || "";
  });
})();
