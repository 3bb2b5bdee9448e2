/* Draws the charts of the report pages with the vendored Chart.js (static/vendor/chartjs).
 * Markup (templates/reports/pages/_chart.html): <canvas data-chart="ID"> and, written by json_script,
 * <script type="application/json" id="ID">{type, labels, series: [{label, data}], percent}</script>.
 * Every chart also has a table with the same numbers, so nothing here is the only way to read them.
 * Charts are drawn on load and again for canvases that htmx swaps in (the dashboard's period toggle). */
(function () {
  "use strict";
  // Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

  function options(spec) {
    var y = { beginAtZero: true, ticks: { precision: 0 } };
    if (spec.percent) {
      y.max = 100;
      y.ticks = { callback: function (value) { return value + " %"; } };
    }
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      spanGaps: true,
      plugins: { legend: { display: spec.series.length > 1 } },
      scales: { y: y }
    };
  }

  function draw(canvas) {
    if (typeof Chart === "undefined" || Chart.getChart(canvas)) return;
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) {
          var colour = COLOURS[index % COLOURS.length];
          return {
            label: series.label,
            data: series.data,
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: spec.type === "line" ? 2 : 0,
            pointRadius: spec.type === "line" ? 2 : undefined,
            tension: 0
          };
        })
      },
      options: options(spec)
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  // A canvas about to be swapped out leaves its chart behind: destroy it so Chart.js lets it go.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!event.detail.shouldSwap || !target || typeof Chart === "undefined") return;
    target.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  });
  document.body.addEventListener("htmx:afterSettle", function () { drawAll(document); });
  // Back and forward restore the page's HTML from htmx's history cache, without the drawings.
  document.body.addEventListener("htmx:historyRestore", function () { drawAll(document); });
  drawAll(document);
})();
