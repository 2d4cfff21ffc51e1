import type { ReactNode } from "react";
import { CAPABILITY_LABELS, ROLE_LABELS, type Capability } from "../../../api/enums";
import { useCurrentSession } from "../session-context";

/** A page for callers holding `capability`; others are told why they cannot see it. */
export function RequireCapability({ capability, children }: { capability: Capability; children: ReactNode }) {
  const session = useCurrentSession();
  if (session.capabilities.includes(capability)) return <>{children}</>;
  return (
    <section className="card">
      <h1 className="card__title">Not available to you</h1>
      <p>
        This page needs the permission “{CAPABILITY_LABELS[capability]}”, which your role (
        {ROLE_LABELS[session.user.role]}) does not include. An admin can change your role.
      </p>
    </section>
  );
}
