import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { keysOf, OUTPUT_KIND_LABELS, SENSOR_KIND_LABELS } from "../../../api/enums";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { CopySecret } from "../../../components/copy-secret";
import { Field, FormSummary } from "../../../components/field";
import { PageHeader } from "../../../components/page-header";
import { usePageTitle } from "../../../lib/use-page-title";
import { useCreateNode, type NodeRegistered } from "../api/create-node";
import {
  checkNodeForm,
  emptyNodeForm,
  emptyOutputRow,
  emptySensorRow,
  nodeFormFields,
  toNodeCreate,
  type NodeForm,
  type OutputRow,
  type SensorRow,
} from "../node-form";

function Registered({ result, onAnother }: { result: NodeRegistered; onAnother: () => void }) {
  return (
    <section className="card" aria-labelledby="registered-title">
      <h2 id="registered-title" className="card__title">
        {result.node.name} is registered
      </h2>
      <p>
        With {result.sensors.length} {result.sensors.length === 1 ? "sensor" : "sensors"} and {result.outputs.length}{" "}
        {result.outputs.length === 1 ? "output" : "outputs"}. Put this token in the node's configuration; the node sends
        it in the header <code>Authorization: Bearer &lt;token&gt;</code>
      </p>
      <CopySecret
        label="Node token"
        secret={result.token}
        note="Shown only now: it cannot be displayed again. If it is lost, retire the node and register it anew."
      />
      <div className="actions">
        <Link className="button button--primary" to={`/nodes/${result.node.id}`}>
          Open {result.node.name}
        </Link>
        <button type="button" className="button" onClick={onAnother}>
          Register another node
        </button>
      </div>
    </section>
  );
}

/** POST /api/nodes: a node registered by hand, with the sensors and outputs it declares. */
export function RegisterNodePage() {
  usePageTitle("Register a node");
  const create = useCreateNode();
  const [form, setForm] = useState<NodeForm>(emptyNodeForm);
  // Checked as the user types once a submit was tried, so a fixed field clears at once.
  const [tried, setTried] = useState(false);
  const local = tried ? checkNodeForm(form) : {};
  const errors = withLocalProblems(local, formErrors(create.error, nodeFormFields(form)));

  const set = <K extends keyof NodeForm>(key: K, value: NodeForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setSensor = (i: number, change: Partial<SensorRow>) =>
    set("sensors", form.sensors.map((row, j) => (j === i ? { ...row, ...change } : row)));
  const setOutput = (i: number, change: Partial<OutputRow>) =>
    set("outputs", form.outputs.map((row, j) => (j === i ? { ...row, ...change } : row)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkNodeForm(form)).length > 0) return;
    create.mutate(toNodeCreate(form));
  };

  if (create.data) {
    return (
      <>
        <PageHeader title="Register a node" />
        <Registered
          result={create.data}
          onAnother={() => {
            create.reset();
            setTried(false);
            setForm(emptyNodeForm());
          }}
        />
      </>
    );
  }

  const e = errors.byField;
  return (
    <>
      <PageHeader
        title="Register a node"
        subtitle={
          <>
            <Link to="/nodes">Nodes</Link> › Register by hand. Adoption of nodes that announce themselves comes later.
          </>
        }
      />
      <form className="form card" onSubmit={submit} noValidate>
        <FormSummary
          text={errors.summary ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null)}
        />
        <div className="form__grid">
          <Field label="Name" error={e.name}>
            {(c) => <input {...c} value={form.name} onChange={(ev) => set("name", ev.target.value)} />}
          </Field>
          <Field label="MAC address" error={e.mac} hint="Such as b8:27:eb:12:34:56">
            {(c) => (
              <input
                {...c}
                className="mono"
                autoCapitalize="none"
                spellCheck={false}
                value={form.mac}
                onChange={(ev) => set("mac", ev.target.value)}
              />
            )}
          </Field>
          <Field label="Model (optional)" error={e.model}>
            {(c) => <input {...c} value={form.model} onChange={(ev) => set("model", ev.target.value)} />}
          </Field>
          <Field label="Heartbeat every (s, optional)" error={e.heartbeat_interval_s} hint="5–3600; 30 if empty">
            {(c) => (
              <input
                {...c}
                inputMode="numeric"
                value={form.heartbeat_interval_s}
                onChange={(ev) => set("heartbeat_interval_s", ev.target.value)}
              />
            )}
          </Field>
        </div>

        <fieldset className="rows">
          <legend>Sensors</legend>
          {form.sensors.length === 0 && <p className="muted small">None yet.</p>}
          {form.sensors.map((row, i) => (
            <div className="row" key={i} role="group" aria-label={`Sensor ${i + 1}`}>
              <Field label="Key" error={e[`sensors[${i}].key`]}>
                {(c) => (
                  <input
                    {...c}
                    className="mono"
                    autoCapitalize="none"
                    spellCheck={false}
                    value={row.key}
                    onChange={(ev) => setSensor(i, { key: ev.target.value })}
                  />
                )}
              </Field>
              <Field label="Name" error={e[`sensors[${i}].name`]}>
                {(c) => <input {...c} value={row.name} onChange={(ev) => setSensor(i, { name: ev.target.value })} />}
              </Field>
              <Field label="Kind" error={e[`sensors[${i}].kind`]}>
                {(c) => (
                  <select
                    {...c}
                    value={row.kind}
                    onChange={(ev) => setSensor(i, { kind: ev.target.value as SensorRow["kind"] })}
                  >
                    {keysOf(SENSOR_KIND_LABELS).map((kind) => (
                      <option key={kind} value={kind}>
                        {SENSOR_KIND_LABELS[kind]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Unit" error={e[`sensors[${i}].unit`]}>
                {(c) => <input {...c} value={row.unit} onChange={(ev) => setSensor(i, { unit: ev.target.value })} />}
              </Field>
              <Field label="Every (s)" error={e[`sensors[${i}].interval_s`]}>
                {(c) => (
                  <input
                    {...c}
                    inputMode="numeric"
                    placeholder="60"
                    value={row.interval_s}
                    onChange={(ev) => setSensor(i, { interval_s: ev.target.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button--small row__remove"
                onClick={() => set("sensors", form.sensors.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="button" onClick={() => set("sensors", [...form.sensors, emptySensorRow()])}>
            Add a sensor
          </button>
        </fieldset>

        <fieldset className="rows">
          <legend>Outputs</legend>
          {form.outputs.length === 0 && <p className="muted small">None yet.</p>}
          {form.outputs.map((row, i) => (
            <div className="row" key={i} role="group" aria-label={`Output ${i + 1}`}>
              <Field label="Key" error={e[`outputs[${i}].key`]}>
                {(c) => (
                  <input
                    {...c}
                    className="mono"
                    autoCapitalize="none"
                    spellCheck={false}
                    value={row.key}
                    onChange={(ev) => setOutput(i, { key: ev.target.value })}
                  />
                )}
              </Field>
              <Field label="Name" error={e[`outputs[${i}].name`]}>
                {(c) => <input {...c} value={row.name} onChange={(ev) => setOutput(i, { name: ev.target.value })} />}
              </Field>
              <Field label="Kind" error={e[`outputs[${i}].kind`]}>
                {(c) => (
                  <select
                    {...c}
                    value={row.kind}
                    onChange={(ev) => setOutput(i, { kind: ev.target.value as OutputRow["kind"], default_state: "0" })}
                  >
                    {keysOf(OUTPUT_KIND_LABELS).map((kind) => (
                      <option key={kind} value={kind}>
                        {OUTPUT_KIND_LABELS[kind]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field
                label="Default state"
                error={e[`outputs[${i}].default_state`]}
                hint={row.kind === "relay" ? "0 off, 1 on" : "0–100 %"}
              >
                {(c) => (
                  <input
                    {...c}
                    inputMode="numeric"
                    value={row.default_state}
                    onChange={(ev) => setOutput(i, { default_state: ev.target.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button--small row__remove"
                onClick={() => set("outputs", form.outputs.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="button" onClick={() => set("outputs", [...form.outputs, emptyOutputRow()])}>
            Add an output
          </button>
        </fieldset>

        <div className="actions">
          <button type="submit" className="button button--primary" disabled={create.isPending}>
            {create.isPending ? "Registering…" : "Register node"}
          </button>
          <Link className="button" to="/nodes">
            Cancel
          </Link>
        </div>
      </form>
    </>
  );
}
