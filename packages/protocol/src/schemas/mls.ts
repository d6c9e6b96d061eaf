/**
 * End-to-end encryption with MLS (RFC 9420), issue 17: devices, KeyPackages and the MLS messages
 * the server relays as the groups' Delivery Service. Every MLS structure travels as the base64 of
 * its TLS encoding (an `MLSMessage`); the server decodes only the framing it must check.
 */
import { z } from "zod";
import { id, isoDate, storable } from "./common.ts";
import { attachmentIds } from "./attachments.ts";

/** The one cipher suite of every group and KeyPackage. */
export const MLS_CIPHERSUITE = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
/** The MLS group id of a chat (UTF-8): group id = chat id. */
export const mlsGroupId = (chatId: number) => `chat:${chatId}`;
/** A device's basic credential identity (UTF-8): the user and the device it names. */
export const mlsIdentity = (userId: number, deviceId: string) =>
  `user:${userId}/device:${deviceId.toLowerCase()}`;
/** The inverse of mlsIdentity; undefined when it is not one. */
export function parseMlsIdentity(identity: string): { userId: number; deviceId: string } | undefined {
  const m = /^user:([1-9][0-9]{0,9})\/device:([0-9a-f-]{36})$/.exec(identity);
  return m ? { userId: Number(m[1]), deviceId: m[2] } : undefined;
}

/** Largest MLS message a send carries, in base64 characters (~24 KiB of bytes). */
export const MLS_MAX_B64 = 32_768;
/** Largest KeyPackage, in base64 characters. */
export const KEY_PACKAGE_MAX_B64 = 4_096;
/** KeyPackages one upload carries, and a device keeps at most. */
export const KEY_PACKAGES_PER_UPLOAD = 100;
export const KEY_PACKAGES_MAX_STOCK = 500;
/** Below this many one-time KeyPackages the owner is told to upload more. */
export const KEY_PACKAGES_LOW = 10;

const base64 = (max: number) =>
  z
    .string()
    .min(4)
    .max(max)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64")
    .refine((s) => s.length % 4 === 0, "must be base64 (padded)");

export const mlsBytes = base64(MLS_MAX_B64);
export const keyPackageBytes = base64(KEY_PACKAGE_MAX_B64);
const deviceName = storable(z.string().trim().min(1).max(100));

export const DeviceSchema = z
  .object({
    id: z.uuid(),
    user_id: z.number().int(),
    name: z.string(),
    signature_key: z
      .string()
      .meta({ description: "Ed25519 public key (base64) of the device's MLS credential" }),
    created_at: isoDate,
  })
  .meta({ id: "Device" });

export const RegisterDeviceBody = z
  .strictObject({
    name: deviceName,
    signature_key: base64(64).meta({
      description: "the device's Ed25519 signature public key (32 bytes), base64",
    }),
  })
  .meta({ id: "RegisterDeviceBody" });
export const RenameDeviceBody = z.strictObject({ name: deviceName }).meta({ id: "RenameDeviceBody" });
export const DeviceIdParams = z.strictObject({ device_id: z.uuid() });
export const DeviceListResponse = z.object({ devices: z.array(DeviceSchema) }).meta({ id: "DeviceList" });
export const DeviceRemovedResponse = z
  .object({ removed: z.uuid(), key_packages_deleted: z.number().int() })
  .meta({ id: "DeviceRemoved" });

export const UploadKeyPackagesBody = z
  .strictObject({
    key_packages: z.array(keyPackageBytes).max(KEY_PACKAGES_PER_UPLOAD),
    last_resort: keyPackageBytes
      .optional()
      .meta({ description: "replaces the device's last-resort KeyPackage" }),
  })
  .meta({ id: "UploadKeyPackagesBody" });
export const KeyPackageStockSchema = z
  .object({
    device_id: z.uuid(),
    stock: z.number().int().meta({ description: "one-time KeyPackages left" }),
    last_resort: z.boolean(),
    low: z.boolean().meta({ description: `fewer than ${KEY_PACKAGES_LOW} left: upload more` }),
  })
  .meta({ id: "KeyPackageStock" });

export const ClaimKeyPackagesBody = z
  .strictObject({ device_ids: z.array(z.uuid()).min(1).max(100) })
  .meta({ id: "ClaimKeyPackagesBody" });
export const ClaimKeyPackagesResponse = z
  .object({
    key_packages: z.array(
      z.object({
        device_id: z.uuid(),
        user_id: z.number().int(),
        key_package: z.string(),
        last_resort: z.boolean(),
      }),
    ),
    missing: z.array(z.uuid()).meta({ description: "devices with no KeyPackage left at all" }),
  })
  .meta({ id: "ClaimKeyPackagesResponse" });

export const ExternalSenderResponse = z
  .object({
    signature_key: z.string().meta({ description: "the server's Ed25519 signature public key, base64" }),
    external_sender: z.string().meta({
      description:
        'the TLS-encoded ExternalSender (basic credential "server"), base64: put it in the group\'s external_senders extension',
    }),
  })
  .meta({ id: "ExternalSender" });

export const GroupInfoResponse = z
  .object({ chat_id: z.number().int(), epoch: z.number().int(), group_info: z.string().nullable() })
  .meta({ id: "GroupInfo" });

/** The MLS part of a message of an encrypted chat (its `text` is ""). */
export const MlsPartSchema = z
  .object({
    kind: z.enum(["application", "commit", "proposal"]),
    epoch: z.number().int(),
    /** null for the server's own proposals (external sender). */
    device_id: z.string().nullable(),
    data: z.string().meta({ description: "the MLSMessage, base64" }),
    refers_to: z.number().int().optional().meta({ description: "an edit: the message this one replaces" }),
  })
  .meta({ id: "MlsPart" });

export const mlsSendEvent = z
  .strictObject({
    chat_id: id,
    client_id: z.uuid(),
    data: mlsBytes.meta({
      description: "an MLSMessage: a PrivateMessage (application) or a PublicMessage (commit)",
    }),
    group_info: mlsBytes.optional().meta({
      description:
        "with a commit: the GroupInfo of the new epoch, with the ratchet_tree extension, signed by the committer",
    }),
    welcomes: z
      .array(z.strictObject({ device_id: z.uuid(), data: mlsBytes }))
      .max(100)
      .optional()
      .meta({ description: "with a commit that adds devices: the Welcome for each" }),
    refers_to: id.optional().meta({ description: "an edit: the id of my message this one replaces" }),
    attachment_ids: attachmentIds.optional().meta({
      description:
        "with an application message (not an edit): my own ready encrypted uploads (`encrypted: true`), files and their thumbnails, bound to the message (else `attachment_unusable`, nothing stored); their keys are inside the MLS message",
    }),
  })
  .meta({ id: "MlsSendEvent" });

export const WelcomeSchema = z
  .object({ id: z.number().int(), chat_id: z.number().int(), epoch: z.number().int(), data: z.string() })
  .meta({ id: "MlsWelcome" });
