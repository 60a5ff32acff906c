// CSV files the portal offers for download: rows as the tables show them, made in the browser.

/** A column: its heading and how a row's cell reads. */
export type CsvColumn<T> = [string, (row: T) => unknown];

const csvCell = (v: unknown) => {
  const text = v === null || v === undefined ? "" : String(v);
  // Cells a spreadsheet would run as a formula are prefixed, as OWASP advises for CSV injection.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

export function toCsv<T>(rows: T[], columns: CsvColumn<T>[]): string {
  return [
    columns.map(([h]) => csvCell(h)).join(","),
    ...rows.map((r) => columns.map(([, f]) => csvCell(f(r))).join(",")),
  ].join("\r\n");
}

/** Saves the rows as `file` through the browser's download. */
export function downloadCsv<T>(rows: T[], columns: CsvColumn<T>[], file: string): void {
  const url = URL.createObjectURL(new Blob([toCsv(rows, columns)], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = file;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
