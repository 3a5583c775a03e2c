import { serviceText } from "../../provider/client/service-text";

const signature = "Zm9vYmFyMTIzNDU2Nzg5MEFCQ0RFRmdoaWprbG1ub3BxcnN0dXZ3eHl6".repeat(6); // 342 characters, like RSA-2048
const header = `Signature version="1",keyId="ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb",algorithm="rsa-sha256",headers="date (request-target) host",signature="${signature}"`;

describe("serviceText", () => {
  test.each([
    ["a whole authorization header", `Denied: ${header}`, "Denied: Signature [redacted]"],
    [
      "a JSON-escaped header, parameter by parameter",
      JSON.stringify({ authorization: header }),
      '{"authorization":"Signature version=\\"1\\",keyId=\\"[redacted]',
    ],
    ["a lone keyId parameter", 'keyId="ST$eyJhbGciOi"', 'keyId="[redacted]"'],
    ["a signature parameter cut short", `signature="${signature.slice(0, 40)}`, 'signature="[redacted]'],
    ["a bare run of base64 as long as a signature", `sig ${signature} end`, "sig [redacted] end"],
  ])("redacts %s", (_what, text, expected) => {
    const shown = serviceText(text, 1024);
    expect(shown.startsWith(expected)).toBe(true);
    expect(shown).not.toContain(signature.slice(0, 40));
  });

  test.each([
    ["an ordinary message", "The if-match etag does not match the current etag."],
    ["a long id of one repeated letter", "x".repeat(255)],
    ["a hex etag", "a3f".repeat(40)],
    ["a keyId named in prose", 'The keyId "ocid1.tenancy.oc1..t/u/aa:bb" is not registered with this service.'],
  ])("keeps %s as it is", (_what, text) => {
    expect(serviceText(text, 1024)).toBe(text);
  });

  test("cuts to the limit, marking the cut, and turns control characters into spaces", () => {
    expect(serviceText("abcdef", 4)).toBe("abcd…");
    expect(serviceText("a\r\nb\u0000c", 10)).toBe("a  b c");
  });
});
