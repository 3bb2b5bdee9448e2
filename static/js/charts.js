/* Draws the charts of the report pages with the vendored Chart.js.
 * Markup: <canvas data-chart="ID"> next to <script type="application/json" id="ID">{type, labels, series}</script>
 * (written by json_script). Every chart also has a table with the same numbers for screen readers. */
(function () {
  "use strict";
  var COLOURS = ["#0d6efd", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997"];
  function draw(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source || typeof Chart === "undefined") return;
      var spec = JSON.parse(source.textContent);
      var existing = Chart.getChart(canvas);
      if (existing) existing.destroy();
      new Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.series.map(function (series, index) {
            return { label: series.label, data: series.data, backgroundColor: COLOURS[index % COLOURS.length],
                     borderColor: COLOURS[index % COLOURS.length], tension: 0.2 };
          })
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false,
                   scales: { y: { beginAtZero: true } } }
      });
    });
  }
  draw();
  document.body.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
