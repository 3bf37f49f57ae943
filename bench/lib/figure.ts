/** One row of the table: a measured figure, its comparison from the same run, and the target. */
export type Figure = {
  id: string;
  title: string;
  value: number;
  unit: string;
  /** What the value is compared with in the same run, and the ratio value / comparison (or the reverse, as named). */
  comparison?: { label: string; value: number; unit: string; ratio: number; ratioLabel: string };
  target: { text: string; met: boolean };
  /** Supporting measurements, printed under the table and written to the JSON. */
  details: Record<string, number | string | boolean>;
};
