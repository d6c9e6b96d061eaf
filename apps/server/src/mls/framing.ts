/**
 * What the Delivery Service reads of MLS bytes, through ts-mls's own decoders and signature checks
 * (no MLS parsing or cryptography of ours): the framing of a message (group id, epoch, content
 * type, sender type), the members of a GroupInfo's ratchet tree, and whether a KeyPackage is a
 * device's. Any bytes that do not decode are `mls_rejected`, never a throw out of here.
 */
import { AppError, MLS_CIPHERSUITE, parseMlsIdentity } from "@chat/protocol";
import {
  decodeExternalSender,
  decodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type GroupInfo,
  type KeyPackage,
  type MLSMessage,
} from "ts-mls";
import { ratchetTreeFromExtension, verifyGroupInfoSignature } from "ts-mls/groupInfo.js";
import { verifyKeyPackage } from "ts-mls/keyPackage.js";

let suite: Promise<CiphersuiteImpl> | undefined;
/** The one cipher suite's implementation (made once per process). */
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(MLS_CIPHERSUITE));
  return suite;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function reject(why: string): never {
  throw new AppError("mls_rejected", `The MLS message cannot be accepted: ${why}`, { reason: why });
}

/** base64 → an MLSMessage, the whole input consumed. */
export function decodeMls(b64: string): MLSMessage {
  const bytes = Buffer.from(b64, "base64");
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (!decoded) reject("not an MLSMessage");
  if (decoded[1] !== bytes.length) reject("trailing bytes after the MLSMessage");
  return decoded[0];
}

export interface Framing {
  wireformat: "private" | "public";
  groupId: string;
  epoch: bigint;
  contentType: "application" | "proposal" | "commit";
  /** PublicMessage only: who signed it (a PrivateMessage hides its sender). */
  senderType?: "member" | "external" | "new_member_proposal" | "new_member_commit";
  leafIndex?: number;
}

/** The clear framing of a PrivateMessage or PublicMessage. */
export function framingOf(m: MLSMessage): Framing {
  const groupIdOf = (b: Uint8Array) => {
    try {
      return utf8.decode(b);
    } catch {
      return reject("group id is not UTF-8");
    }
  };
  if (m.wireformat === "mls_private_message") {
    const p = m.privateMessage;
    return {
      wireformat: "private",
      groupId: groupIdOf(p.groupId),
      epoch: p.epoch,
      contentType: p.contentType,
    };
  }
  if (m.wireformat === "mls_public_message") {
    const c = m.publicMessage.content;
    return {
      wireformat: "public",
      groupId: groupIdOf(c.groupId),
      epoch: c.epoch,
      contentType: c.contentType,
      senderType: c.sender.senderType,
      leafIndex: c.sender.senderType === "member" ? c.sender.leafIndex : undefined,
    };
  }
  return reject(`a ${m.wireformat} is not a group message`);
}

/** The leaf a stored Remove proposal (a PublicMessage) removes; undefined for anything else. */
export function removedLeafOf(b64: string): number | undefined {
  const m = decodeMls(b64);
  if (m.wireformat !== "mls_public_message") return undefined;
  const c = m.publicMessage.content;
  if (c.contentType !== "proposal" || c.proposal.proposalType !== "remove") return undefined;
  return c.proposal.remove.removed;
}

export interface TreeMember {
  leafIndex: number;
  userId: number;
  deviceId: string;
  signatureKey: string;
}

export interface ReadGroupInfo {
  groupInfo: GroupInfo;
  groupId: string;
  epoch: bigint;
  members: TreeMember[];
  /** The member that signed it. */
  signer: TreeMember;
}

/**
 * A GroupInfo with its ratchet tree: every leaf must carry a basic credential naming (user,
 * device), and the signature must verify under the signer leaf's key.
 */
export async function readGroupInfo(b64: string): Promise<ReadGroupInfo> {
  const m = decodeMls(b64);
  if (m.wireformat !== "mls_group_info") reject("group_info is not a GroupInfo");
  const gi = m.groupInfo;
  if (gi.groupContext.cipherSuite !== MLS_CIPHERSUITE) reject("wrong cipher suite");
  let tree: ReturnType<typeof ratchetTreeFromExtension>;
  try {
    tree = ratchetTreeFromExtension(gi);
  } catch {
    tree = undefined;
  }
  if (!tree) reject("the GroupInfo has no ratchet_tree extension");
  const members: TreeMember[] = [];
  tree.forEach((node, nodeIndex) => {
    if (!node || node.nodeType !== "leaf") return;
    members.push({
      leafIndex: nodeIndex / 2,
      ...identityOf(node.leaf.credential),
      signatureKey: b64Of(node.leaf.signaturePublicKey),
    });
  });
  const signer = members.find((x) => x.leafIndex === gi.signer);
  if (!signer) reject("the GroupInfo's signer is not in its tree");
  const cs = await cipherSuite();
  const ok = await verifyGroupInfoSignature(
    gi,
    Buffer.from(signer.signatureKey, "base64"),
    cs.signature,
  ).catch(() => false);
  if (!ok) reject("the GroupInfo's signature does not verify");
  let groupId: string;
  try {
    groupId = utf8.decode(gi.groupContext.groupId);
  } catch {
    return reject("group id is not UTF-8");
  }
  return { groupInfo: gi, groupId, epoch: gi.groupContext.epoch, members, signer };
}

/**
 * Whether the GroupInfo's group context lists `signatureKey` in an `external_senders` extension
 * (ts-mls reads each such extension as one ExternalSender): without it the group refuses the
 * server's Remove proposals.
 */
export function listsExternalSender(gi: GroupInfo, signatureKey: Uint8Array): boolean {
  const want = b64Of(signatureKey);
  return gi.groupContext.extensions.some((e) => {
    if (e.extensionType !== "external_senders") return false;
    try {
      const d = decodeExternalSender(e.extensionData, 0);
      return d !== undefined && b64Of(d[0].signaturePublicKey) === want;
    } catch {
      return false;
    }
  });
}

function identityOf(c: { credentialType: string; identity?: Uint8Array }): {
  userId: number;
  deviceId: string;
} {
  if (c.credentialType !== "basic" || !c.identity) reject("a credential is not a basic one");
  let text: string;
  try {
    text = utf8.decode(c.identity);
  } catch {
    return reject("a credential identity is not UTF-8");
  }
  const id = parseMlsIdentity(text);
  if (!id) reject("a credential does not name a user and device");
  return id;
}

export const b64Of = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** A KeyPackage upload: of our suite, its credential naming this user's device, its key that device's, signed by it. */
export async function checkKeyPackage(
  b64: string,
  device: { userId: number; deviceId: string; signatureKey: string },
): Promise<KeyPackage> {
  const m = decodeMls(b64);
  if (m.wireformat !== "mls_key_package") reject("not a KeyPackage");
  const kp = m.keyPackage;
  if (kp.cipherSuite !== MLS_CIPHERSUITE) reject("wrong cipher suite");
  const id = identityOf(kp.leafNode.credential);
  if (id.userId !== device.userId || id.deviceId !== device.deviceId.toLowerCase())
    reject("the credential does not name this device");
  if (b64Of(kp.leafNode.signaturePublicKey) !== device.signatureKey)
    reject("the KeyPackage is not signed with this device's key");
  const cs = await cipherSuite();
  if (!(await verifyKeyPackage(kp, cs.signature).catch(() => false)))
    reject("the KeyPackage signature does not verify");
  return kp;
}
