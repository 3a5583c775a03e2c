// A loopback proxy in front of the emulator that can hold the service's answer to a request after the
// service has applied it: the moment "the cancel was accepted, the engine has not recorded it yet",
// which is where a killed `pulumi up` is most dangerous. Signed headers pass through unchanged.

import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface HoldingProxy {
  /** The proxy's base URL, to use as the endpoint. */
  url: string;
  /** Holds the answers to requests whose method and path match, until `release()`. */
  holdAnswers(match: { method: string; pathIncludes: string }): void;
  /** Resolves when an answer is being held (the service has applied the request). */
  heldAnswer(): Promise<void>;
  /** Lets held answers go (to whoever still listens) and stops holding. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target);
  let hold: { method: string; pathIncludes: string } | undefined;
  const held: Array<() => void> = [];
  const onHeld: Array<() => void> = [];

  const server = http.createServer((req, res) => {
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const send = () => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      };
      if (hold && req.method === hold.method && req.url?.includes(hold.pathIncludes)) {
        held.push(send);
        onHeld.splice(0).forEach((resolve) => resolve());
      } else send();
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const release = () => {
    hold = undefined;
    held.splice(0).forEach((send) => send());
  };
  return {
    url: `http://127.0.0.1:${port}`,
    holdAnswers(match) {
      hold = match;
    },
    heldAnswer() {
      return held.length > 0 ? Promise.resolve() : new Promise((resolve) => onHeld.push(resolve));
    },
    release,
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
