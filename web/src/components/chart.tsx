import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartType,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

// Only the parts the app draws, so the bundle carries no more of Chart.js than it uses.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#333';
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

export const TIER_COLORS = ['#1b7837', '#2166ac', '#b2182b', '#762a83', '#e08214', '#01665e', '#8c510a', '#4d4d4d'];
export const AEO_COLOR = '#1b7837';
export const NON_AEO_COLOR = '#b2182b';
export const STAGE_COLORS = ['#4575b4', '#d73027', '#1a9850', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#666666'];
export const LANE_COLORS: Record<string, string> = { green: '#1a9850', yellow: '#d9a400', red: '#d73027', blue: '#4575b4' };

/**
 * A Chart.js chart on a canvas. The chart is created once and updated in place when the config's
 * data changes (a live chart keeps its hidden series and hover state); a change of type recreates it.
 * Hovering shows each point's value, clicking a legend entry hides or shows its series.
 */
export function ChartView<T extends ChartType>(props: { config: ChartConfiguration<T>; height?: number; name: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<T> | null>(null);
  const { config } = props;
  useEffect(() => {
    if (!canvas.current) return;
    const c = chart.current;
    if (c && (c.config as { type?: string }).type === config.type) {
      // keep what the user hid: by dataset label
      const hidden = new Set(c.data.datasets.filter((_d, i) => !c.isDatasetVisible(i)).map((d) => d.label));
      c.data = config.data;
      if (config.options) c.options = config.options;
      c.data.datasets.forEach((d, i) => {
        if (hidden.has(d.label)) c.setDatasetVisibility(i, false);
      });
      c.update('none');
      return;
    }
    c?.destroy();
    chart.current = new Chart(canvas.current, config);
  }, [config]);
  useEffect(
    () => () => {
      chart.current?.destroy();
      chart.current = null;
    },
    [],
  );
  return (
    <div class="chart" style={{ height: `${props.height ?? 260}px` }} data-chart={props.name}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
