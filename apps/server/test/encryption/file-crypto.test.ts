/**
 * packages/client's file encryption (issue 17, item 4), pure: AES-256-GCM through WebCrypto with a
 * fresh key per file, the SHA-256 of the ciphertext checked before decrypting, and the MLS
 * plaintext that carries the file references.
 */
import { expect } from "chai";
import {
  decodePayload,
  decryptBytes,
  encodePayload,
  encryptBytes,
  FileDecryptError,
  type EncryptedFileRef,
} from "@chat/client";

const ref = (id: string): EncryptedFileRef => ({
  id,
  key: "a".repeat(44),
  iv: "b".repeat(16),
  sha256: "c".repeat(44),
  name: "holiday photo.jpg",
  mime: "image/jpeg",
  size: 1234,
  width: 640,
  height: 480,
  thumbnail: {
    id: crypto.randomUUID(),
    key: "d".repeat(44),
    iv: "e".repeat(16),
    sha256: "f".repeat(44),
    mime: "image/webp",
  },
});

describe("encrypted files: the client's file crypto", () => {
  it("round trip: a fresh key and IV per file, ciphertext = plaintext + 16-byte tag, nothing of the plaintext in it", async () => {
    const plain = new TextEncoder().encode("the plaintext of a file ".repeat(100));
    const one = await encryptBytes(plain);
    const two = await encryptBytes(plain);
    expect(one.ciphertext.byteLength).to.equal(plain.byteLength + 16);
    expect(one.key).to.not.equal(two.key);
    expect(one.iv).to.not.equal(two.iv);
    expect(Buffer.from(one.ciphertext).toString("latin1")).to.not.include("plaintext");
    expect(Buffer.from(await decryptBytes(one.ciphertext, one))).to.deep.equal(Buffer.from(plain));
  });

  it("a changed byte is refused: by the hash, and by GCM's tag when the hash is made to match", async () => {
    const sealed = await encryptBytes(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const tampered = sealed.ciphertext.slice();
    tampered[3] ^= 0x01;
    const e1 = await decryptBytes(tampered, sealed).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(FileDecryptError);
    expect((e1 as FileDecryptError).reason).to.equal("hash_mismatch");
    const hash = Buffer.from(await crypto.subtle.digest("SHA-256", tampered)).toString("base64");
    const e2 = await decryptBytes(tampered, { ...sealed, sha256: hash }).catch((e: unknown) => e);
    expect((e2 as FileDecryptError).reason).to.equal("decrypt_failed");
    // Another file's key does not open it either.
    const other = await encryptBytes(new Uint8Array([9]));
    const e3 = await decryptBytes(sealed.ciphertext, { ...sealed, key: other.key }).catch((e: unknown) => e);
    expect((e3 as FileDecryptError).reason).to.equal("decrypt_failed");
  });

  it("the MLS plaintext: a text alone stays a text; files travel with it; garbage references are dropped", () => {
    expect(encodePayload("hello")).to.equal("hello");
    expect(decodePayload("hello")).to.deep.equal({ text: "hello", files: [] });
    const f = ref(crypto.randomUUID());
    expect(decodePayload(encodePayload("look", [f]))).to.deep.equal({ text: "look", files: [f] });
    // A typed text that looks like the marker is kept as a text.
    const odd = "\u0000chat-message/1\n{}";
    expect(decodePayload(encodePayload(odd))).to.deep.equal({ text: odd, files: [] });
    const bad = encodePayload("x", [f]).replace(f.id, "../../etc/passwd");
    expect(decodePayload(bad).files).to.deep.equal([]);
    expect(decodePayload("\u0000chat-message/1\n{not json")).to.deep.equal({ text: "", files: [] });
  });
});
