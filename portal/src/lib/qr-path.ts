// An SVG path for a QR module matrix: one closed rectangle per horizontal run of dark modules, so a
// symbol is a single short path rather than hundreds of rects.

/** "M x y h run v 1 h -run z" per run of dark modules, offset by the quiet zone `border`. */
export function modulesPath(rows: readonly (readonly boolean[])[], border: number): string {
  let d = "";
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; ) {
      if (!row[x]) {
        x++;
        continue;
      }
      let run = 1;
      while (row[x + run]) run++;
      d += `M${x + border} ${y + border}h${run}v1h-${run}z`;
      x += run;
    }
  });
  return d;
}
