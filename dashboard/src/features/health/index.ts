/** core-server's health and version. */
export { ServerInfo } from "./components/server-info";
