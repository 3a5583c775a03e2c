// The pages one listing has followed: how many, and which tokens, so a service that keeps
// sending opc-next-page (fresh or cycling) is stopped, in bounded time and memory.

import { createHash } from "node:crypto";
import { SERVICE_TEXT_LIMITS } from "./service-text.js";

/**
 * The most pages one listing follows. At the default page size (100) that is 100 000
 * executions, and 1 000 000 at the largest (limit 1000): more than a project keeps, while a
 * service that pages forever is cut off after seconds, not hours.
 */
export const DEFAULT_MAX_LIST_PAGES = 1000;

export class PageTrail {
  private pages = 1;
  private last: string | undefined;
  // A digest per token, not the token: up to maxPages x 32 bytes, whatever the tokens' length.
  private readonly seen = new Set<string>();

  constructor(readonly maxPages: number) {}

  /** True once maxPages pages were read: the listing must not follow another opc-next-page. */
  get full(): boolean {
    return this.pages >= this.maxPages;
  }

  /**
   * Why `next` (the opc-next-page of the page just read) cannot be a page of this listing, or
   * undefined when it is a new one: it is then counted as read.
   */
  follow(next: string): string | undefined {
    if (next.length > SERVICE_TEXT_LIMITS.pageToken) {
      return `opc-next-page is ${next.length} characters; at most ${SERVICE_TEXT_LIMITS.pageToken} expected`;
    }
    if (next === this.last) return "opc-next-page repeats the page just read";
    const digest = createHash("sha256").update(next).digest("base64");
    if (this.seen.has(digest)) return "opc-next-page returns to a page already read";
    this.seen.add(digest);
    this.pages++;
    this.last = next;
    return undefined;
  }
}
