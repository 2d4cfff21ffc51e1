import createClient from "openapi-fetch";
import type { paths } from "./schema";

// Same-origin: core-server serves this page and the API; `npm run dev` proxies.
export const api = createClient<paths>({ baseUrl: "" });
