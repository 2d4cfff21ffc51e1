/** Adopting announced devices, replacing a node's hardware, its configuration bundle. */
export { AdoptionCandidates } from "./components/adoption-candidates";
export { ReplaceHardware } from "./components/replace-hardware";
export { NodeBundleView } from "./components/node-bundle-view";
/** For callers that change a node's settings: its bundle is then out of date. */
export { nodeBundleKey } from "./api/get-node-bundle";
