/** The password change form: its rules (the server's, from UserCreate/PasswordChange) and checks. */

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** The rules in words, shown above the fields. */
export const PASSWORD_RULES = `At least ${PASSWORD_MIN} and at most ${PASSWORD_MAX} characters; any characters, spaces included. A few unrelated words make a good one.`;

export interface PasswordForm {
  current_password: string;
  new_password: string;
  /** The new password typed again: checked here, never sent. */
  repeat: string;
}

export const PASSWORD_FORM_FIELDS = ["current_password", "new_password", "repeat"] as const;

export function emptyPasswordForm(): PasswordForm {
  return { current_password: "", new_password: "", repeat: "" };
}

/** Problems visible before sending, by field (empty when none). Lengths count characters, as the server does. */
export function checkPasswordForm(form: PasswordForm): Record<string, string> {
  const problems: Record<string, string> = {};
  if (form.current_password === "") problems.current_password = "is required";
  const length = [...form.new_password].length;
  if (length < PASSWORD_MIN) problems.new_password = `must be at least ${PASSWORD_MIN} characters`;
  else if (length > PASSWORD_MAX) problems.new_password = `must be at most ${PASSWORD_MAX} characters`;
  else if (form.new_password === form.current_password) {
    problems.new_password = "is the same as the current password";
  }
  if (form.repeat !== form.new_password) problems.repeat = "does not match the new password";
  return problems;
}
