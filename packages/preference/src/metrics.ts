import type { StepMetrics } from './trainer.js';

/** Every metric name that occurs in the history, in first-seen order. */
function columns(history: readonly StepMetrics[]): string[] {
  const names: string[] = [];
  for (const row of history) for (const key of Object.keys(row)) if (!names.includes(key)) names.push(key);
  return names;
}

/** The history as JSON: an array of step records (a metric a step lacks is omitted). */
export function metricsToJson(history: readonly StepMetrics[]): string {
  return `${JSON.stringify(history, null, 2)}\n`;
}

/** The history as CSV: a header of metric names, then one row per step (empty where a step lacks one). */
export function metricsToCsv(history: readonly StepMetrics[]): string {
  const names = columns(history);
  const lines = [names.join(',')];
  for (const row of history) {
    const record = row as unknown as Record<string, number | undefined>;
    lines.push(names.map((n) => (record[n] === undefined ? '' : String(record[n]))).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** One metric over the steps (NaN where a step lacks it), e.g. to chart it. */
export function metricSeries(history: readonly StepMetrics[], name: keyof StepMetrics): number[] {
  return history.map((row) => row[name] ?? Number.NaN);
}
