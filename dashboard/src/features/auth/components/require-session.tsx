import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { onSessionEnded } from "../../../api/client";
import { ErrorMessage } from "../../../components/error-message";
import { sessionKey, useSession } from "../api/get-session";
import { loginPathFor } from "../next-path";
import { SessionContext } from "../session-context";

/**
 * Shows `children` to a logged-in caller. Without a session, or as soon as any
 * call answers 401 (the session expired or was ended elsewhere), it sends the
 * browser to the login page, which brings it back here afterwards.
 */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const queryClient = useQueryClient();

  useEffect(() => onSessionEnded(() => queryClient.setQueryData(sessionKey, null)), [queryClient]);

  if (session.data === undefined) {
    if (session.isError) {
      return (
        <main className="center">
          <ErrorMessage
            error={session.error}
            onRetry={() => void session.refetch()}
            retrying={session.isFetching}
          />
        </main>
      );
    }
    return (
      <main className="center">
        <p className="muted">Loading…</p>
      </main>
    );
  }
  if (session.data === null) return <Navigate to={loginPathFor(location)} replace />;
  return <SessionContext.Provider value={session.data}>{children}</SessionContext.Provider>;
}
