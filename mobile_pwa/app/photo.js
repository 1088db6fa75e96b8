// Photos are shrunk and re-encoded on the device: less to upload on a weak connection, and the
// re-encoded copy carries no EXIF (no position, no device details) to the server.

import { readGps } from "./exif.js";

export const MAX_SIDE = 1600;
export const QUALITY = 0.8;

/** {blob, gps, width, height, originalSize, resized}; keeps the original when the browser cannot decode it (HEIC). */
export async function preparePhoto(file, { maxSide = MAX_SIDE, quality = QUALITY } = {}) {
  const gps = await readGps(file).catch(() => null);
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale);
    const height = Math.round(bitmap.height * scale);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    const blob = await new Promise((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode"))), "image/jpeg", quality));
    return { blob, gps, width, height, originalSize: file.size, resized: true };
  } catch {
    return { blob: file, gps, width: null, height: null, originalSize: file.size, resized: false };
  }
}
