/** Small real images made with sharp for the attachment tests. */
import sharp from "sharp";

export const tinyPng = (w = 40, h = 30) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toBuffer();

/** A JPEG carrying EXIF with GPS and orientation 6 (stored landscape, shown rotated 90°). */
export const jpegWithGps = (w = 64, h = 32) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withMetadata({
      orientation: 6,
      exif: {
        IFD0: { Make: "TestCam", Model: "GPS-1" },
        IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 2964/100" },
      },
    })
    .toBuffer();

/** A real JPEG of noise (so it is not tiny), for cutting short. */
export const noiseJpeg = (w = 200, h = 200) =>
  sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 7919) % 251)), {
    raw: { width: w, height: h, channels: 3 },
  })
    .jpeg({ quality: 90 })
    .toBuffer();

/** A GIF image that decodes, with an HTML page appended after its trailer (a GIF/HTML polyglot). */
export const gifHtmlPolyglot = async () =>
  Buffer.concat([
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#0f0" } })
      .gif()
      .toBuffer(),
    Buffer.from("<html><script>alert(document.cookie)</script></html>"),
  ]);

/**
 * A PNG that announces 30,000 × 30,000 pixels (900 megapixels, ~3.6 GB decoded) in a few hundred
 * bytes: a decompression bomb's header, with one small IDAT.
 */
export async function pngBombHeader(): Promise<Buffer> {
  const zlib = await import("node:zlib");
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30_000, 0);
  ihdr.writeUInt32BE(30_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = zlib.deflateSync(Buffer.alloc(30_000 * 3 + 1));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", rows),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A JPEG at quality 5 (1,742 bytes): re-encoded at sharp's default quality it grows (to 2,177). */
export const lowQualityJpeg = (w = 300, h = 300) =>
  sharp(Buffer.from(Array.from({ length: w * h * 3 }, (_, i) => (i * 7919 + (i >> 5) * 31) % 251)), {
    raw: { width: w, height: h, channels: 3 },
  })
    .jpeg({ quality: 5 })
    .toBuffer();
