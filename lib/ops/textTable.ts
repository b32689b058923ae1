export interface TableColumn<Row> {
  header: string;
  value: (row: Row) => string;
  /** Right-aligns the column, for numbers. */
  alignRight?: boolean;
}

/** Formats rows as a plain-text table with a header line, columns padded to their widest cell. */
export function formatTable<Row>(columns: readonly TableColumn<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((line) => (line[index] ?? '').length)),
  );

  const formatLine = (line: readonly string[]): string =>
    line
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        return columns[index]?.alignRight === true ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();

  return [formatLine(columns.map((column) => column.header)), ...cells.map(formatLine)].join('\n');
}
