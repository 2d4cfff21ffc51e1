import type { Role } from "../../api/enums";
import type { UserCreate } from "./api/create-user";

export interface UserForm {
  username: string;
  password: string;
  role: Role;
}

export const USER_FORM_FIELDS = ["username", "password", "role"] as const;

/** As documented for UserCreate: 3–32 of a-z, 0-9, '.', '_', '-'; a password of at least 10 characters. */
const USERNAME = /^[a-z0-9._-]{3,32}$/;
export const MIN_PASSWORD = 10;

/** Problems visible before sending, by field (empty when none). */
export function checkUserForm(form: UserForm): Record<string, string> {
  const problems: Record<string, string> = {};
  const username = form.username.trim();
  if (username === "") problems.username = "is required";
  else if (!USERNAME.test(username)) problems.username = "must be 3 to 32 characters of a-z, 0-9, '.', '_' and '-'";
  if ([...form.password].length < MIN_PASSWORD) problems.password = `must be at least ${MIN_PASSWORD} characters`;
  return problems;
}

export function toUserCreate(form: UserForm): UserCreate {
  return { username: form.username.trim(), password: form.password, role: form.role };
}
