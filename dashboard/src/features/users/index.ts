/** Users and roles (admin). */
export { UsersPage } from "./components/users-page";
