// Passphrase secrets for recorded state, in the spirit of the engine's passphrase secrets manager: a key
// derived from a passphrase and a per-stack salt kept beside the state, AES-256-GCM per value.
// Not compatible with the CLI's format; only the harness reads it back.
import * as crypto from "node:crypto";
import type { SecretsCrypter } from "./properties.js";

export interface PassphraseSecrets extends SecretsCrypter {
  /** base64; store it with the state so the same passphrase decrypts it later. */
  readonly salt: string;
}

export function passphraseSecrets(passphrase: string, salt = crypto.randomBytes(16).toString("base64")): PassphraseSecrets {
  const key = crypto.scryptSync(passphrase, Buffer.from(salt, "base64"), 32);
  return {
    salt,
    encrypt(plaintext) {
      const nonce = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `v1:${nonce.toString("base64")}:${body.toString("base64")}`;
    },
    decrypt(ciphertext) {
      const [version, nonce, body] = ciphertext.split(":");
      if (version !== "v1" || nonce === undefined || body === undefined) {
        throw new Error(`Cannot decrypt a secret in state: unexpected ciphertext format ${JSON.stringify(ciphertext.slice(0, 12))}`);
      }
      const bytes = Buffer.from(body, "base64");
      const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
      } catch {
        throw new Error("Cannot decrypt a secret in state: wrong secretsPassphrase for this state's salt");
      }
    },
  };
}
