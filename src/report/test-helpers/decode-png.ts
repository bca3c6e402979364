import pngjs from 'pngjs';

/** Pixels of a PNG (what resvg writes), as RGBA, decoded by pngjs. For tests only. */
export function decodePng(png: Uint8Array): { width: number; height: number; rgba: Uint8Array } {
  const image = pngjs.PNG.sync.read(Buffer.from(png));
  return { width: image.width, height: image.height, rgba: new Uint8Array(image.data) };
}

/** Pixels that differ from opaque white by more than `tolerance` in any channel. */
export function countNonWhite(image: { rgba: Uint8Array }, tolerance = 24): number {
  let count = 0;
  for (let i = 0; i < image.rgba.length; i += 4) {
    const [r, g, b, a] = image.rgba.subarray(i, i + 4);
    if (a > 0 && (255 - r > tolerance || 255 - g > tolerance || 255 - b > tolerance)) count++;
  }
  return count;
}
