/** The overview page. */
export { OverviewPage } from "./components/overview-page";
