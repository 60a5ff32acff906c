// Sharpness of a face as the variance of the Laplacian (Pech-Pacheco et al., ICPR 2000), measured on
// the aligned 150×150 chip so the figure does not depend on the photo's resolution or the face size.
// Only the inner part of the chip is used: the padding holds background and, near image borders,
// black fill whose edges would read as detail.

export function laplacianVariance(rgb: Uint8Array, size: number, margin = Math.round(size * 0.2)): number {
  const gray = new Float32Array(size * size);
  for (let i = 0; i < size * size; i++) {
    gray[i] = 0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!;
  }
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = Math.max(1, margin); y < size - Math.max(1, margin); y++) {
    for (let x = Math.max(1, margin); x < size - Math.max(1, margin); x++) {
      const i = y * size + x;
      const lap = gray[i - 1]! + gray[i + 1]! + gray[i - size]! + gray[i + size]! - 4 * gray[i]!;
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  return sumSq / n - mean * mean;
}
