// The machine's load while a run trains (system/... series, x = step): use in percent, and memory in MB.

import { LiveChart } from "./live-chart.js";

/** CPU % of the worker process (100 = one core), GPU utilisation %, and the share of step time waiting on data. */
export function usageChart(el) {
  return new LiveChart(
    el,
    [
      { key: "system/cpu_percent", name: "CPU % (process)", line: { color: "#2c6fe0", width: 2 } },
      { key: "system/gpu_util_percent", name: "GPU utilisation %", line: { color: "#1f8f4e", width: 2 } },
      { key: "system/data_wait_share", name: "waiting on data", yaxis: "y2", line: { color: "#e0732c", width: 1.5, dash: "dot" } },
    ],
    {
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "%" }, rangemode: "tozero" },
      yaxis2: { title: { text: "share of step time" }, overlaying: "y", side: "right", tickformat: ".0%", range: [0, 1] },
    },
  );
}

/** Resident memory of the worker process and the GPU memory in use, in MB. */
export function memoryChart(el) {
  return new LiveChart(
    el,
    [
      { key: "system/rss_mb", name: "process memory (RSS)", line: { color: "#7b4fc9", width: 2 } },
      { key: "system/gpu_memory_mb", name: "GPU memory", line: { color: "#1f8f4e", width: 2 } },
    ],
    { xaxis: { title: { text: "step" } }, yaxis: { title: { text: "MB" }, rangemode: "tozero" } },
  );
}
