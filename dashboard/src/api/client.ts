import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

/**
 * Sent on every request. core-server accepts a cookie-authenticated write only
 * with it (or a same-origin Origin): the CSRF rule in API-CONVENTIONS.md.
 */
export const REQUESTED_WITH = "farm-dashboard";

/**
 * Calls whose 401 does not mean "your session ended": a wrong password at
 * login, and the session check that asks whether anyone is logged in at all.
 */
const AUTH_PROBES = new Set(["/api/auth/login", "/api/auth/session"]);

type Listener = () => void;

export interface ApiClientOptions {
  /** "" in the browser: core-server serves this page and the API (`npm run dev` proxies). */
  baseUrl?: string;
  fetch?: (input: Request) => Promise<Response>;
}

/** An openapi-fetch client on the generated types, with the dashboard's middleware. */
export function createApiClient(options: ApiClientOptions = {}) {
  const sessionEnded = new Set<Listener>();

  const middleware: Middleware = {
    onRequest({ request }) {
      request.headers.set("X-Requested-With", REQUESTED_WITH);
      return request;
    },
    onResponse({ request, response }) {
      if (response.status === 401 && !AUTH_PROBES.has(new URL(request.url).pathname)) {
        for (const listener of sessionEnded) listener();
      }
      return undefined;
    },
  };

  const client = createClient<paths>({ baseUrl: options.baseUrl ?? "", fetch: options.fetch });
  client.use(middleware);

  return {
    client,
    /** `listener` runs whenever a call answers 401: the session expired or was ended elsewhere. */
    onSessionEnded(listener: Listener): () => void {
      sessionEnded.add(listener);
      return () => sessionEnded.delete(listener);
    },
  };
}

const shared = createApiClient();

/** The client every feature's api/ files call. */
export const api = shared.client;
export const onSessionEnded = shared.onSessionEnded;
