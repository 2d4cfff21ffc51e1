/** Command history. */
export { CommandsPage } from "./components/commands-page";
