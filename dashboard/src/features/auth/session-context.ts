import { createContext, useContext } from "react";
import type { Capability } from "../../api/enums";
import type { AuthSession } from "./api/get-session";

export const SessionContext = createContext<AuthSession | null>(null);

/** The logged-in caller; only inside <RequireSession>. */
export function useCurrentSession(): AuthSession {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useCurrentSession outside <RequireSession>");
  return session;
}

/** Whether the caller holds `capability`: the server checks it too; this hides what would be refused. */
export function useCan(capability: Capability): boolean {
  return useCurrentSession().capabilities.includes(capability);
}
