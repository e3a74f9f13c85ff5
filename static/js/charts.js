// The reports' charts: each [data-chart] box is drawn with Apache ECharts from the JSON beside
// it (the same numbers as the table under it). Tooltips are drawn on the canvas, so the
// page's style policy holds; charts redraw to their box when the window changes size.
(() => {
  "use strict";
  const UNITS = { percent: " %", days: " d", credit: "", count: "", money: "" };

  function styleOf(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function option(data) {
    const text = styleOf("--bs-body-color") || "#212529";
    const base = {
      textStyle: { color: text, fontFamily: styleOf("--bs-body-font-family") },
      tooltip: { renderMode: "richText", trigger: data.kind === "heatmap" ? "item" : "axis" },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      animation: false,
    };
    if (data.kind === "heatmap") {
      const values = data.points.map((point) => point[2] || 0);
      return {
        ...base,
        grid: { ...base.grid, top: 8, right: 96, bottom: 8 },
        xAxis: { type: "category", data: data.categories, splitArea: { show: true } },
        yAxis: { type: "category", data: data.y_categories, inverse: true, splitArea: { show: true } },
        visualMap: {
          min: 0, max: Math.max(1, ...values), calculable: true, orient: "vertical",
          right: 0, top: "middle", text: [data.label, ""],
        },
        series: [{ type: "heatmap", data: data.points, label: { show: true } }],
      };
    }
    const category = { type: "category", data: data.categories, axisLabel: { interval: 0, hideOverlap: !data.horizontal } };
    const value = { type: "value" };
    // Bars along a category axis on the left: room for its labels, long ones cut with "…".
    const room = Math.min(240, 12 + 6.5 * Math.max(0, ...data.categories.map((name) => name.length)));
    if (data.horizontal) Object.assign(category.axisLabel, { width: room - 12, overflow: "truncate" });
    return {
      ...base,
      grid: data.horizontal ? { ...base.grid, left: room, containLabel: false, bottom: 24 } : base.grid,
      legend: { top: 0, data: data.series.map((series) => series.label) },
      xAxis: data.horizontal ? value : category,
      yAxis: data.horizontal ? { ...category, inverse: true } : value,
      series: data.series.map((series) => ({
        name: series.label,
        type: data.kind,
        data: series.values,
        connectNulls: false,
        tooltip: { valueFormatter: (v) => (v === null || v === undefined ? "—" : `${v}${UNITS[series.unit] || ""}`) },
      })),
    };
  }

  function draw() {
    if (!window.echarts) return;
    for (const box of document.querySelectorAll("[data-chart]")) {
      const source = document.getElementById(box.dataset.chart);
      if (!source || box.dataset.drawn) continue;
      const chart = window.echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(option(JSON.parse(source.textContent)));
      box.dataset.drawn = "1";
      new ResizeObserver(() => chart.resize()).observe(box);
    }
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
