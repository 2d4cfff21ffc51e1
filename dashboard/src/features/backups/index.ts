/** Backups: list, take, download, upload, verify, delete, restore; where they go and when. */
export { BackupsPage } from "./components/backups-page";
export { useBackups } from "./api/list-backups";
export { BackupAge } from "./components/backup-age";
