/** Logging in and out, the session guard, and what the caller may do. */
export { LoginPage } from "./components/login-page";
export { RequireSession } from "./components/require-session";
export { RequireCapability } from "./components/require-capability";
export { UserMenu } from "./components/user-menu";
export { useCan, useCurrentSession } from "./session-context";
export { useRecheckSession } from "./api/get-session";
export { ChangePasswordForm } from "./components/change-password-form";
