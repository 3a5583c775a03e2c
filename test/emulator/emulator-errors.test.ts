// The emulator's one table of wire errors: each code's status, and the usual code of a status.

import { defaultCodeForStatus, wireErrorAnswer, WIRE_ERRORS } from "../../emulator/errors.js";

describe("wire errors", () => {
  test.each([
    [400, "InvalidParameter"],
    [401, "NotAuthenticated"],
    [403, "NotAuthorized"],
    [404, "NotAuthorizedOrNotFound"],
    [405, "MethodNotAllowed"],
    [409, "IncorrectState"],
    [412, "NoEtagMatch"],
    [429, "TooManyRequests"],
    [503, "ServiceUnavailable"],
    [418, "InvalidParameter"],
    [599, "InternalServerError"],
  ])("a fault of status %i without a code answers %s", (status, code) => {
    expect(defaultCodeForStatus(status)).toBe(code);
  });

  test("every code answers with the status the table gives it and the DefaultError body", () => {
    for (const [code, { status, message }] of Object.entries(WIRE_ERRORS)) {
      expect([code, wireErrorAnswer(code as keyof typeof WIRE_ERRORS)]).toEqual([code, { status, headers: {}, body: JSON.stringify({ code, message }) }]);
    }
  });
});
