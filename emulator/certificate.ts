// The self-signed certificate `startEmulator({ https: true })` serves: made at start for
// localhost, 127.0.0.1 and ::1, valid for 30 days; no key is ever written to the repository.

import { generate } from "selfsigned";

/** A fresh key and certificate (PEM); the certificate is also what clients trust as `ca`. */
export async function selfSignedCertificate(hostNames: readonly string[] = []): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
          ...hostNames.map((value) => ({ type: 2 as const, value })),
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
