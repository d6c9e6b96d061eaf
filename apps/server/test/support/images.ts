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
