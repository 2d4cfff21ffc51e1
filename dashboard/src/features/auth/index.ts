/** Logging in and out, the session guard, and what the caller may do. */
export { LoginPage } from "./components/login-page";
export { RequireSession } from "./components/require-session";
export { RequireCapability } from "./components/require-capability";
export { UserMenu } from "./components/user-menu";
export { useCan, useCurrentSession } from "./session-context";
// The provider <RequireSession> fills; tests render a page under a session of their choosing.
export { SessionContext } from "./session-context";
export { useRecheckSession, type AuthSession } from "./api/get-session";
export { ChangePasswordForm } from "./components/change-password-form";
