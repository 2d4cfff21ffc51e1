import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * Features do not reach into each other: from inside src/features/<a>/, another
 * feature is imported only through its index (`../../<b>`), never as
 * `../../<b>/components/...`. Files sit at most one folder deep in a feature
 * (api/, components/), so the relative depth says which feature is meant.
 */
const featureBoundaries = [
  {
    files: ["src/features/*/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./[^./][^/]*/.+",
              message: "Import another feature through its index (../<feature>), not its internals.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/features/*/*/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^\\.\\./\\.\\./[^./][^/]*/.+",
              message: "Import another feature through its index (../../<feature>), not its internals.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/components/**/*.{ts,tsx}", "src/lib/**/*.{ts,tsx}", "src/api/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "features/", message: "Shared code does not depend on features." }] },
      ],
    },
  },
];

export default defineConfig([
  // Build output and generated code (`npm run gen:api`) are not linted.
  globalIgnores(["dist", "src/api/schema.d.ts"]),
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true, argsIgnorePattern: "^_" }],
    },
  },
  ...featureBoundaries,
  {
    files: ["**/*.{js,mjs}"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    // The smoke test passes functions to the page (page.evaluate), which run in the browser.
    files: ["e2e/**/*.mjs"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
]);
