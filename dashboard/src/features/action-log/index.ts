/** The action log: what the schedule engine decided and why, filterable. */
export { ActionLogPage } from "./components/action-log-page";
