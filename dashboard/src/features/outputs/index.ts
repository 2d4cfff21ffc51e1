/** Switching outputs: the controls, how commands are put in words, and changing a node's outputs. */
export { OutputList } from "./components/output-list";
export { OutputSettings } from "./components/output-settings";
export { describeCommand, formatOutputState } from "./describe-output";
