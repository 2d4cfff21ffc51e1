/** Sensors with their live values. */
export { SensorGrid } from "./components/sensor-grid";
