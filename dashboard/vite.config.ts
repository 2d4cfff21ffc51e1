import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// core-server listens here in development; `npm run dev` forwards API calls to it
// so the page can use same-origin relative URLs, exactly as when core-server
// serves the built files itself.
const coreServer = "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Hashed file names under dist/assets/ (Vite's default): safe to cache forever.
    assetsDir: "assets",
  },
  server: {
    proxy: {
      "/api": { target: coreServer, changeOrigin: false },
      "/healthz": { target: coreServer, changeOrigin: false },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
