import { HealthCard } from "./features/health/components/health-card";

export function App() {
  return (
    <div className="page">
      <header className="page__header">
        <h1>Farm Controller</h1>
      </header>
      <main className="page__main">
        <HealthCard />
        <p className="page__note">
          The full dashboard is being built; this page proves the embedded build is served by core-server.
        </p>
      </main>
    </div>
  );
}
