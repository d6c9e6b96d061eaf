import { describe, expect, it } from "vitest";
import {
  declaredType,
  formatSize,
  linkFresh,
  pastedName,
  percent,
  refusalText,
  sendReadiness,
  type UploadItem,
} from "../src/logic/uploads.ts";

const item = (state: UploadItem["state"], size = 100, sent = 0): UploadItem => ({
  key: state,
  chatId: 1,
  file: { name: "a.bin", size, type: "" } as File,
  state,
  sent,
});

describe("uploads", () => {
  it("reads sizes as people do", () => {
    expect(formatSize(1)).toBe("1 byte");
    expect(formatSize(999)).toBe("999 bytes");
    expect(formatSize(4_812)).toBe("4.8 KB");
    expect(formatSize(25_000_000)).toBe("25 MB");
    expect(formatSize(2_000_000)).toBe("2 MB");
  });

  it("says why a file was refused, and whether retrying can help", () => {
    expect(refusalText("a.mov", { code: "file_too_large", details: { max_bytes: 25_000_000 } })).toEqual({
      text: "“a.mov” is too big: files may be at most 25 MB.",
      retryable: false,
    });
    expect(
      refusalText("b.zip", { code: "quota_exceeded", details: { quota_bytes: 1e9, used_bytes: 999_500_000 } })
        .text,
    ).toBe("“b.zip” does not fit in your storage space (1000 MB of 1 GB used). Delete some files first.");
    expect(
      refusalText("c.png", { code: "attachment_rejected", details: { reason: "image_too_large" } }).text,
    ).toBe("“c.png” was not accepted: it is an image with too many pixels to show.");
    expect(refusalText("d", { code: "attachment_rejected", details: { reason: "new" } }).text).toBe(
      "“d” was not accepted: it is not a file the server accepts.",
    );
    expect(refusalText("e", {})).toEqual({
      text: "“e” was not uploaded: the connection failed.",
      retryable: true,
    });
    expect(refusalText("f", { code: "rate_limited" }).retryable).toBe(true);
  });

  it("lets a message go only when every file is ready", () => {
    expect(sendReadiness([])).toBe("none");
    expect(sendReadiness([item("cancelled")])).toBe("none");
    expect(sendReadiness([item("ready"), item("uploading")])).toBe("wait");
    expect(sendReadiness([item("ready"), item("failed")])).toBe("blocked");
    expect(sendReadiness([item("ready"), item("cancelled")])).toBe("ready");
  });

  it("shows progress from the bytes sent", () => {
    expect(percent(item("uploading", 200, 50))).toBe(25);
    expect(percent(item("checking", 200, 0))).toBe(100);
    expect(percent(item("uploading", 0, 0))).toBe(0);
  });

  it("declares a plain media type or bytes, names pasted images, and knows a fresh link", () => {
    expect(declaredType({ type: "image/png" })).toBe("image/png");
    expect(declaredType({ type: "" })).toBe("application/octet-stream");
    expect(declaredType({ type: "text/plain;charset=utf-8" })).toBe("text/plain");
    expect(declaredType({ type: "not a type" })).toBe("application/octet-stream");
    const at = new Date("2026-11-30T10:20:30Z");
    expect(pastedName({ name: "image.png", type: "image/png" }, at)).toBe("pasted-2026-11-30-10-20-30.png");
    expect(pastedName({ name: "holiday.jpg", type: "image/jpeg" }, at)).toBe("holiday.jpg");
    const now = Date.parse("2026-11-30T10:00:00Z");
    expect(linkFresh({ expires_at: "2026-11-30T10:05:00Z" }, now)).toBe(true);
    expect(linkFresh({ expires_at: "2026-11-30T10:00:10Z" }, now)).toBe(false);
    expect(linkFresh(undefined, now)).toBe(false);
  });
});
