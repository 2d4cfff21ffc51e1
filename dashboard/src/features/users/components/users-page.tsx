import { keysOf, ROLE_LABELS, type Role } from "../../../api/enums";
import { ConfirmButton } from "../../../components/confirm-button";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { StatusBadge } from "../../../components/status-badge";
import { formatDateTime } from "../../../lib/format";
import { usePageTitle } from "../../../lib/use-page-title";
import { useCurrentSession } from "../../auth";
import { useDeleteUser } from "../api/delete-user";
import { useUsers, type User } from "../api/list-users";
import { useUpdateUser } from "../api/update-user";
import { CreateUserForm } from "./create-user-form";

function UserRow({ user, isMe }: { user: User; isMe: boolean }) {
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const selfWhy = "You cannot do this to your own account here.";
  const error = update.error ?? remove.error;
  return (
    <tr data-user-id={user.id}>
      <td>
        <strong>{user.username}</strong> {isMe && <span className="muted">(you)</span>}
        {error && (
          <div className="cell-error">
            <ErrorMessage error={error} />
          </div>
        )}
      </td>
      <td>
        <select
          aria-label={`Role of ${user.username}`}
          value={user.role}
          disabled={update.isPending || isMe}
          title={isMe ? selfWhy : undefined}
          onChange={(e) => update.mutate({ id: user.id, change: { role: e.target.value as Role } })}
        >
          {keysOf(ROLE_LABELS).map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
      </td>
      <td>
        {user.disabled ? <StatusBadge tone="muted">disabled</StatusBadge> : <StatusBadge tone="ok">active</StatusBadge>}
      </td>
      <td>{formatDateTime(user.created_at)}</td>
      <td>
        <div className="row-actions">
          <button
            type="button"
            className="button button--small"
            disabled={update.isPending || isMe}
            title={isMe ? selfWhy : undefined}
            onClick={() => update.mutate({ id: user.id, change: { disabled: !user.disabled } })}
          >
            {user.disabled ? "Enable" : "Disable"}
          </button>
          <ConfirmButton
            label="Delete"
            question={`Delete ${user.username}? Their sessions and API tokens end too.`}
            confirmLabel="Yes, delete"
            busy={remove.isPending}
            disabled={isMe}
            disabledReason={selfWhy}
            onConfirm={() => remove.mutate(user.id)}
          />
        </div>
      </td>
    </tr>
  );
}

/** Users: list, add, change role, disable or enable, delete (users.manage). */
export function UsersPage() {
  usePageTitle("Users");
  const users = useUsers();
  const me = useCurrentSession().user;
  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Viewers see everything but users and secrets; operators also switch outputs; admins manage everything."
      />
      {users.isError && <ErrorMessage error={users.error} onRetry={() => void users.refetch()} retrying={users.isFetching} />}
      {users.isPending && <p className="muted">Loading…</p>}
      {users.data && (
        <div className="table-wrap card card--flush">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <UserRow key={user.id} user={user} isMe={user.id === me.id} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CreateUserForm />
    </>
  );
}
