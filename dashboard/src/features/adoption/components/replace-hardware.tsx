import { useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { Field, FormSummary } from "../../../components/field";
import { checkReplaceForm, REPLACE_FORM_FIELDS } from "../adoption-form";
import { useReplaceNode } from "../api/replace-node";
import { TokenHandover } from "./token-handover";

/** Replace a node's device: a token for the new device's MAC; the old device stops working. */
export function ReplaceHardware({ nodeId, nodeName }: { nodeId: number; nodeName: string }) {
  const replace = useReplaceNode();
  const [open, setOpen] = useState(false);
  const [mac, setMac] = useState("");
  const [tried, setTried] = useState(false);
  const errors = withLocalProblems(tried ? checkReplaceForm(mac) : {}, formErrors(replace.error, REPLACE_FORM_FIELDS));

  const close = () => {
    setOpen(false);
    setMac("");
    setTried(false);
    replace.reset();
  };

  if (!open) {
    return (
      <div className="actions">
        <button type="button" className="button" onClick={() => setOpen(true)}>
          Replace hardware
        </button>
      </div>
    );
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkReplaceForm(mac)).length > 0) return;
    replace.mutate({ id: nodeId, mac: mac.trim().toLowerCase() });
  };

  return (
    <section className="card" aria-labelledby="replace-title">
      <h2 id="replace-title" className="card__title">
        Replace the hardware of {nodeName}
      </h2>
      {replace.data ? (
        <TokenHandover created={replace.data} onDone={close} />
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <p>
            The new device becomes this node: sensors, outputs, history and schedules stay. The old device's token stops
            working once the new one claims the token.
          </p>
          <FormSummary text={errors.summary} />
          <Field label="MAC address of the new device" error={errors.byField.mac} hint="Such as b8:27:eb:12:34:56">
            {(c) => <input {...c} className="mono" value={mac} onChange={(e) => setMac(e.target.value)} />}
          </Field>
          <div className="actions">
            <button type="submit" className="button button--primary" disabled={replace.isPending}>
              {replace.isPending ? "Creating token…" : "Create replacement token"}
            </button>
            <button type="button" className="button" onClick={close}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
