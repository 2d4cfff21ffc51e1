import { useHealth } from "../api/get-health";

/** core-server's version and schema, for the page footer (and bug reports). */
export function ServerInfo() {
  const health = useHealth();
  if (!health.data) return null;
  const { backend, version, schema_version } = health.data;
  return (
    <p className="server-info">
      core-server {version} ({backend}), database schema {schema_version}
    </p>
  );
}
