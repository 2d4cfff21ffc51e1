import { CopySecret } from "../../../components/copy-secret";
import { formatDateTime } from "../../../lib/format";
import type { AdoptionTokenCreated } from "../adoption-form";

/** An adoption token's secret, shown once, with what to do with it. */
export function TokenHandover({ created, onDone }: { created: AdoptionTokenCreated; onDone: () => void }) {
  return (
    <div className="stack" data-adoption-token="">
      <p>
        Give this token to the device <span className="mono">{created.token.mac}</span>: enter it in the node's setup
        when it asks for an adoption token. It works once, until{" "}
        {formatDateTime(created.token.expires_at)}; the device then becomes “{created.token.name}”.
      </p>
      <CopySecret
        label="Adoption token"
        secret={created.secret}
        note="Shown only now: it cannot be displayed again."
        onDone={onDone}
      />
    </div>
  );
}
