import type { Node, SensorState } from "../../live-state";

interface SensorPickerProps {
  sensors: readonly SensorState[];
  nodes: readonly Node[];
  chosen: readonly number[];
  max: number;
  colorOf: (sensorId: number) => string;
  onChange: (ids: number[]) => void;
}

/** Checkboxes for the sensors to chart, by node. */
export function SensorPicker({ sensors, nodes, chosen, max, colorOf, onChange }: SensorPickerProps) {
  const full = chosen.length >= max;
  const toggle = (id: number) =>
    onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  return (
    <aside className="card picker" aria-label="Sensors">
      <h2 className="card__title">Sensors</h2>
      {full && <p className="muted small">At most {max} sensors at once.</p>}
      {nodes.map((node) => {
        const own = sensors.filter((s) => s.node_id === node.id);
        if (own.length === 0) return null;
        return (
          <fieldset key={node.id} className="picker__node">
            <legend>{node.name}</legend>
            {own.map((sensor) => {
              const checked = chosen.includes(sensor.id);
              return (
                <label key={sensor.id} className="picker__item">
                  <input
                    type="checkbox"
                    checked={checked}
                    disabled={!checked && full}
                    onChange={() => toggle(sensor.id)}
                  />
                  <span
                    className="swatch"
                    style={checked ? { background: colorOf(sensor.id) } : { visibility: "hidden" }}
                    aria-hidden="true"
                  />
                  <span>
                    {sensor.name} <span className="muted">{sensor.unit}</span>
                  </span>
                </label>
              );
            })}
          </fieldset>
        );
      })}
    </aside>
  );
}
