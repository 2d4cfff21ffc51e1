import { ROLE_LABELS } from "../../../api/enums";
import { describeApiError } from "../../../api/describe-api-error";
import { useLogout } from "../api/logout";
import { useCurrentSession } from "../session-context";

/** Who is logged in, their role, and the way out. */
export function UserMenu() {
  const { user } = useCurrentSession();
  const logout = useLogout();
  return (
    <div className="user-menu">
      <span className="user-menu__who" data-user={user.username}>
        <strong>{user.username}</strong> <span className="user-menu__role">{ROLE_LABELS[user.role]}</span>
      </span>
      <button
        type="button"
        className="button button--small"
        onClick={() => logout.mutate()}
        disabled={logout.isPending}
        title={logout.isError ? describeApiError(logout.error) : undefined}
      >
        {logout.isPending ? "Logging out…" : logout.isError ? "Log out (retry)" : "Log out"}
      </button>
    </div>
  );
}
