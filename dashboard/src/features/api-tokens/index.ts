/** API tokens for scripts (admin). */
export { ApiTokensPage } from "./components/api-tokens-page";
