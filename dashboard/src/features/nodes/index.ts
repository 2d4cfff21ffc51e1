/** Nodes: the list, one node's page, registering and retiring. */
export { NodesPage } from "./components/nodes-page";
export { NodeDetailPage } from "./components/node-detail-page";
export { RegisterNodePage } from "./components/register-node-page";
export { NodeStatusBadge } from "./components/node-status-badge";
