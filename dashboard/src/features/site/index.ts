/** The site: its settings (name, time zone, units), and the settings page with the user's password. */
export { SettingsPage } from "./components/settings-page";
export { useSite, siteKey, type Site } from "./api/get-site";
