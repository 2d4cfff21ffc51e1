/** Switching outputs: the controls, and how commands are put in words. */
export { OutputList } from "./components/output-list";
export { describeCommand, formatOutputState } from "./describe-output";
