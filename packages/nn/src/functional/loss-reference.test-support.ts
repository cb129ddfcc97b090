/** log softmax of one row, in plain numbers: the loss tests' independent reference. */
export const logSoftmaxRow = (row: number[]): number[] => {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
};
