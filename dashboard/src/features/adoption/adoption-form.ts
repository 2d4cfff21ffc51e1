import type { components } from "../../api/schema";

export type Candidate = components["schemas"]["Candidate"];
export type AdoptionTokenCreate = components["schemas"]["AdoptionTokenCreate"];
export type AdoptionTokenCreated = components["schemas"]["AdoptionTokenCreated"];
export type NodeBundle = components["schemas"]["NodeBundle"];

export const ADOPT_FORM_FIELDS = ["name", "mac"] as const;
export const REPLACE_FORM_FIELDS = ["mac"] as const;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** Problems visible before sending an adoption, by API field name (empty when none). */
export function checkAdoptForm(name: string): Record<string, string> {
  const trimmed = name.trim();
  if (trimmed === "") return { name: "is required" };
  if ([...trimmed].length > 64) return { name: "must be at most 64 characters" };
  return {};
}

/** Problems visible before asking for a replacement token. */
export function checkReplaceForm(mac: string): Record<string, string> {
  const trimmed = mac.trim();
  if (trimmed === "") return { mac: "is required" };
  if (!MAC.test(trimmed)) return { mac: "must be a MAC address such as b8:27:eb:12:34:56" };
  return {};
}

/** The bundle as a file: pretty JSON, named after the node and its version. */
export function bundleFile(bundle: NodeBundle): { name: string; text: string } {
  const slug = bundle.node.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "node";
  return { name: `${slug}-bundle-v${bundle.version}.json`, text: `${JSON.stringify(bundle, null, 2)}\n` };
}
