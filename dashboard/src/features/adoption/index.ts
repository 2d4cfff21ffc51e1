/** Adopting announced devices, replacing a node's hardware, its configuration bundle. */
export { AdoptionCandidates } from "./components/adoption-candidates";
export { ReplaceHardware } from "./components/replace-hardware";
export { NodeBundleView } from "./components/node-bundle-view";
