import { meaningOf } from "../../provider/client/error-table";

describe("meaningOf", () => {
  test.each([
    [429, "TooManyRequests", "Throttled"],
    [500, "InternalServerError", "ServerError"],
    [502, "BadGateway", "ServerError"],
    [503, "ServiceUnavailable", "ServerError"],
    [504, "GatewayTimeout", "ServerError"],
    [409, "IncorrectState", "IncorrectState"],
  ])("retries %i %s as %s", (status, code, kind) => {
    expect(meaningOf(status, code)).toMatchObject({ kind, retryable: true });
  });

  test.each([
    [400, "InvalidParameter", "Invalid"],
    [401, "NotAuthenticated", "NotAuthenticated"],
    [402, "SignUpRequired", "NotAuthorized"],
    [403, "NotAuthorized", "NotAuthorized"],
    [404, "NotAuthorizedOrNotFound", "NotFound"],
    [405, "MethodNotAllowed", "Invalid"],
    [409, "Conflict", "Conflict"],
    [409, "InvalidatedRetryToken", "RetryTokenInvalid"],
    [412, "NoEtagMatch", "EtagMismatch"],
    [501, "MethodNotImplemented", "NotImplemented"],
    [505, "HTTPVersionNotSupported", "ServerError"],
    [302, "Redirect", "Malformed"],
    [204, "UnexpectedStatus", "Malformed"],
    [101, "SwitchingProtocols", "Malformed"],
  ])("does not retry %i %s (%s)", (status, code, kind) => {
    expect(meaningOf(status, code)).toMatchObject({ kind, retryable: false });
  });

  test("gives each kind its advice, and a redirect its own", () => {
    expect(meaningOf(401, "NotAuthenticated").nextStep).toMatch(/fingerprint .* within 5 minutes/);
    expect(meaningOf(404, "NotAuthorizedOrNotFound").nextStep).toMatch(/^Check projectId and queryExecutionId/);
    expect(meaningOf(307, "Redirect").nextStep).toMatch(/set endpoint to the URL that answers directly/);
  });

  test("retries failures without a response that may heal", () => {
    for (const code of ["ECONNRESET", "ECONNREFUSED", "EAI_AGAIN", "EPIPE"]) {
      expect([code, meaningOf(undefined, code)]).toEqual([code, { kind: "Network", retryable: true, nextStep: expect.stringMatching(/^No answer came/) }]);
    }
    expect(meaningOf(undefined, "Timeout")).toMatchObject({ kind: "Timeout", retryable: true });
  });

  test.each([
    ["ENOTFOUND", /host name does not exist/],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", /TLS certificate is not trusted/],
    ["ERR_TLS_CERT_ALTNAME_INVALID", /TLS certificate is not trusted/],
    ["ERR_SSL_WRONG_VERSION_NUMBER", /does not speak TLS on that port/],
    ["HPE_INVALID_CONSTANT", /does not answer in HTTP/],
  ])("does not retry %s, which cannot heal within the budget, and says what to do", (code, step) => {
    expect(meaningOf(undefined, code)).toEqual({ kind: "Network", retryable: false, nextStep: expect.stringMatching(step) });
  });
});
