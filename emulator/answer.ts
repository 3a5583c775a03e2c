// What the emulator sends back for one request, before it reaches the socket: the routes, the wire
// errors, the retry-token memory, the faults and the admin routes all produce one.

export interface Answer {
  status: number;
  headers: Record<string, string>;
  /** JSON text; absent for 202s and other empty answers. */
  body?: string;
}
