import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { BrowserRouter, Link, Route, Routes } from "react-router";
import { PageHeader } from "../components/page-header";
import { ActionLogPage } from "../features/action-log";
import { AlarmsPage } from "../features/alarms";
import { ApiTokensPage } from "../features/api-tokens";
import { LoginPage, RequireCapability } from "../features/auth";
import { BackupsPage } from "../features/backups";
import { ChartsPage } from "../features/charts";
import { CommandsPage } from "../features/commands";
import { NodeDetailPage, NodesPage, RegisterNodePage } from "../features/nodes";
import { OverviewPage } from "../features/overview";
import { SchedulesPage } from "../features/schedules";
import { SettingsPage } from "../features/site";
import { UsersPage } from "../features/users";
import { Layout } from "./layout";
import { createQueryClient } from "./query-client";

function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        There is nothing at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </>
  );
}

/** The route table: every page, and what it needs. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route element={<Layout />}>
            <Route index element={<OverviewPage />} />
            <Route path="charts" element={<ChartsPage />} />
            <Route path="nodes" element={<NodesPage />} />
            <Route
              path="nodes/new"
              element={
                <RequireCapability capability="nodes.manage">
                  <RegisterNodePage />
                </RequireCapability>
              }
            />
            <Route path="nodes/:id" element={<NodeDetailPage />} />
            <Route path="commands" element={<CommandsPage />} />
            <Route
              path="action-log"
              element={
                <RequireCapability capability="logs.view">
                  <ActionLogPage />
                </RequireCapability>
              }
            />
            <Route
              path="alarms"
              element={
                <RequireCapability capability="alarms.view">
                  <AlarmsPage />
                </RequireCapability>
              }
            />
            <Route path="settings" element={<SettingsPage />} />
            <Route
              path="schedules"
              element={
                <RequireCapability capability="schedules.view">
                  <SchedulesPage />
                </RequireCapability>
              }
            />
            <Route
              path="users"
              element={
                <RequireCapability capability="users.manage">
                  <UsersPage />
                </RequireCapability>
              }
            />
            <Route
              path="tokens"
              element={
                <RequireCapability capability="tokens.manage">
                  <ApiTokensPage />
                </RequireCapability>
              }
            />
            <Route
              path="backups"
              element={
                <RequireCapability capability="backups.view">
                  <BackupsPage />
                </RequireCapability>
              }
            />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
