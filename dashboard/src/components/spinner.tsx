/** A small turning ring; `label` is read out by screen readers. */
export function Spinner({ label }: { label: string }) {
  return (
    <span className="spinner" role="status" data-spinner="">
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
