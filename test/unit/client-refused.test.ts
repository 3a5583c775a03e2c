// A loopback endpoint with nothing listening (the emulator not started) is said at once; a
// refused connection elsewhere keeps its retries.

import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:net";
import { QueryServiceError } from "../../provider/client/errors";
import { meaningFor, noResponseFailure } from "../../provider/client/failure";
import { QueryServiceClient } from "../../provider/client/query-service-client";
import { rejection } from "../helpers/rejection";

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const credentials = { tenancy: "ocid1.tenancy.oc1..t", user: "ocid1.user.oc1..u", fingerprint: "12:34", privateKey };
const refused = { name: "RequestError", code: "ECONNREFUSED", message: "connect ECONNREFUSED 10.0.0.7:443", timeout: false };

/** A loopback port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("a refused connection", () => {
  test.each(["127.0.0.1", "localhost"])("to %s is answered at once, naming the address and the emulator", async (host) => {
    const port = await closedPort();
    const sleeps: number[] = [];
    const client = new QueryServiceClient({
      endpoint: `http://${host}:${port}`,
      credentials,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    try {
      const e = await rejection(client.getQueryExecution("ocid1.queryserviceproject.oc1..p", "ocid1.queryexecution.oc1..q"), QueryServiceError);
      expect(e.message).toContain(`nothing is listening on ${host}:${port} — is the emulator running?`);
      expect(e.message).toMatch(/Start the emulator \(npm run emulator/);
      expect(e.details).toMatchObject({ kind: "Network", code: "ECONNREFUSED", attempts: 1, retryable: false });
      expect(sleeps).toEqual([]);
    } finally {
      client.close();
    }
  });

  test("to a loopback https endpoint without a port names port 443", () => {
    const failure = noResponseFailure(refused, 30_000, "https://[::1]");
    expect(failure.serviceMessage).toBe("nothing is listening on [::1]:443 — is the emulator running?");
    expect(meaningFor(failure).retryable).toBe(false);
  });

  test("to a host that is not loopback is still retried, with the network's own words", () => {
    const failure = noResponseFailure(refused, 30_000, "https://queryservice.us-ashburn-1.oci.oraclecloud.com");
    expect(failure.serviceMessage).toBe("connect ECONNREFUSED 10.0.0.7:443");
    expect(meaningFor(failure)).toMatchObject({ kind: "Network", retryable: true });
  });
});
