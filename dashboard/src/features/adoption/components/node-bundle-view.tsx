import { useState } from "react";
import { ErrorMessage } from "../../../components/error-message";
import { bundleFile } from "../adoption-form";
import { useNodeBundle } from "../api/get-node-bundle";

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The node's configuration bundle (GET /api/nodes/{id}/bundle) as JSON, with a download. */
export function NodeBundleView({ nodeId }: { nodeId: number }) {
  const [open, setOpen] = useState(false);
  const bundle = useNodeBundle(nodeId, open);
  const file = bundle.data ? bundleFile(bundle.data) : null;
  return (
    <section className="section" aria-labelledby="bundle-title">
      <div className="toolbar">
        <h2 id="bundle-title" className="section__title">
          Configuration bundle
        </h2>
        <button type="button" className="button button--small" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "Hide" : "Show"}
        </button>
        {file && (
          <button type="button" className="button button--small" onClick={() => download(file.name, file.text)}>
            Download {file.name}
          </button>
        )}
      </div>
      {open && bundle.isError && (
        <ErrorMessage error={bundle.error} onRetry={() => void bundle.refetch()} retrying={bundle.isFetching} />
      )}
      {open && bundle.isPending && <p className="muted">Loading…</p>}
      {open && file && (
        <pre className="card code-block" data-bundle="">
          {file.text}
        </pre>
      )}
    </section>
  );
}
