// Reads the GPS position a camera wrote in a JPEG's EXIF (APP1) block; nothing else, no dependency.

const GPS_IFD_POINTER = 0x8825;
const TAG = { latRef: 1, lat: 2, lonRef: 3, lon: 4 };
const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8 };

/** {lat, lon} in WGS84 degrees, or null when the file is not a JPEG or carries no usable GPS position. */
export async function readGps(file) {
  // The EXIF block sits in the first 64 kB of a JPEG by definition (APP1 is at most 64 kB).
  const buffer = await file.slice(0, 131072).arrayBuffer();
  return gpsFromJpeg(new DataView(buffer));
}

export function gpsFromJpeg(view) {
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
  let offset = 2;
  while (offset + 4 <= view.byteLength) {
    if (view.getUint8(offset) !== 0xff) return null;
    const marker = view.getUint8(offset + 1);
    if (marker === 0xda || marker === 0xd9) return null; // image data starts: no EXIF before it
    const length = view.getUint16(offset + 2);
    if (marker === 0xe1 && offset + 10 <= view.byteLength && view.getUint32(offset + 4) === 0x45786966) {
      return gpsFromTiff(view, offset + 10, Math.min(view.byteLength, offset + 2 + length));
    }
    offset += 2 + length;
  }
  return null;
}

function gpsFromTiff(view, start, end) {
  const order = view.getUint16(start);
  if (order !== 0x4949 && order !== 0x4d4d) return null;
  const little = order === 0x4949;
  const u16 = (o) => view.getUint16(o, little);
  const u32 = (o) => view.getUint32(o, little);
  const inside = (o, n) => o >= start && o + n <= end;
  if (!inside(start, 8) || u16(start + 2) !== 42) return null;

  const entries = (ifdOffset) => {
    const at = start + ifdOffset;
    if (!inside(at, 2)) return [];
    const count = u16(at);
    const list = [];
    for (let i = 0; i < count; i++) {
      const e = at + 2 + i * 12;
      if (!inside(e, 12)) break;
      const type = u16(e + 2);
      const n = u32(e + 4);
      const size = (TYPE_SIZE[type] || 1) * n;
      list.push({ tag: u16(e), type, n, valueAt: size <= 4 ? e + 8 : start + u32(e + 8) });
    }
    return list;
  };

  const gpsEntry = entries(u32(start + 4)).find((e) => e.tag === GPS_IFD_POINTER);
  if (!gpsEntry) return null;
  const gps = Object.fromEntries(entries(u32(gpsEntry.valueAt)).map((e) => [e.tag, e]));

  const ascii = (e) => (e && inside(e.valueAt, 1) ? String.fromCharCode(view.getUint8(e.valueAt)) : "");
  const degrees = (e) => {
    if (!e || e.type !== 5 || e.n < 3 || !inside(e.valueAt, 24)) return NaN;
    const part = (i) => {
      const den = u32(e.valueAt + 8 * i + 4);
      return den === 0 ? (i === 0 ? NaN : 0) : u32(e.valueAt + 8 * i) / den;
    };
    return part(0) + part(1) / 60 + part(2) / 3600;
  };

  let lat = degrees(gps[TAG.lat]);
  let lon = degrees(gps[TAG.lon]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (ascii(gps[TAG.latRef]) === "S") lat = -lat;
  if (ascii(gps[TAG.lonRef]) === "W") lon = -lon;
  // 0,0 is what some cameras write when they had no fix.
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}

function rationals(value) {
  const v = Math.abs(value);
  const deg = Math.floor(v);
  const min = Math.floor((v - deg) * 60);
  const sec = Math.round(((v - deg) * 60 - min) * 60 * 10000);
  return [[deg, 1], [min, 1], [sec, 10000]];
}

/**
 * A copy of a JPEG with an EXIF block holding only a GPS position (no orientation, no device details).
 * The photo re-encoded on the device has lost its EXIF; this puts back just where it was taken, so the
 * platform reads the place from the photo itself and records it as such.
 */
export async function withGps(blob, { lat, lon }) {
  const tiff = new DataView(new ArrayBuffer(128));
  let o = 0;
  const u16 = (v) => { tiff.setUint16(o, v, true); o += 2; };
  const u32 = (v) => { tiff.setUint32(o, v, true); o += 4; };
  const entry = (tag, type, count, value) => { u16(tag); u16(type); u32(count); u32(value); };
  u16(0x4949); u16(42); u32(8);                                   // little-endian TIFF header, IFD0 at 8
  u16(1); entry(GPS_IFD_POINTER, 4, 1, 26); u32(0);                // IFD0: the GPS IFD's offset
  u16(4);                                                          // GPS IFD at 26, its rationals at 80 and 104
  const ref = (c) => c.charCodeAt(0);
  entry(TAG.latRef, 2, 2, ref(lat >= 0 ? "N" : "S"));
  entry(TAG.lat, 5, 3, 80);
  entry(TAG.lonRef, 2, 2, ref(lon >= 0 ? "E" : "W"));
  entry(TAG.lon, 5, 3, 104);
  u32(0);
  for (const [num, den] of [...rationals(lat), ...rationals(lon)]) { u32(num); u32(den); }
  const app1 = new Uint8Array(4 + 6 + 128);
  const head = new DataView(app1.buffer);
  head.setUint16(0, 0xffe1);
  head.setUint16(2, 2 + 6 + 128);
  app1.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4);
  app1.set(new Uint8Array(tiff.buffer), 10);
  const jpeg = new Uint8Array(await blob.arrayBuffer());
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return blob;
  return new Blob([jpeg.subarray(0, 2), app1, jpeg.subarray(2)], { type: "image/jpeg" });
}
