/**
 * Where to go after logging in: `next` when it is a path on this site,
 * otherwise the overview. Never another origin ("//evil.example",
 * "https://…", "/\\evil"), never the login page itself.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if ([...next].some((c) => c.charCodeAt(0) < 0x20)) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) return "/";
  return next;
}

/** The login page's address that comes back to `where` (a path with its query and hash). */
export function loginPathFor(where: { pathname: string; search: string; hash: string }): string {
  const back = `${where.pathname}${where.search}${where.hash}`;
  return safeNextPath(back) === "/" ? "/login" : `/login?next=${encodeURIComponent(back)}`;
}
