/** Sensors with their live values, and changing a node's sensors. */
export { SensorGrid } from "./components/sensor-grid";
export { SensorSettings } from "./components/sensor-settings";
