import { describe, expect, it } from "vitest";
import { checkPasswordForm, type PasswordForm } from "./password-form";

const valid: PasswordForm = {
  current_password: "old secret 1",
  new_password: "correct horse battery",
  repeat: "correct horse battery",
};

describe("checkPasswordForm", () => {
  it("accepts a long enough new password typed twice", () => {
    expect(checkPasswordForm(valid)).toEqual({});
  });

  it("asks for the current password and a new one of at least 10 characters", () => {
    expect(checkPasswordForm({ current_password: "", new_password: "short", repeat: "short" })).toEqual({
      current_password: "is required",
      new_password: "must be at least 10 characters",
    });
  });

  it("counts characters, not bytes, as the server does", () => {
    const nine = "ääääääääö"; // 9 characters, 18 bytes
    expect(checkPasswordForm({ ...valid, new_password: nine, repeat: nine }).new_password).toBe(
      "must be at least 10 characters",
    );
    const long = "x".repeat(257);
    expect(checkPasswordForm({ ...valid, new_password: long, repeat: long }).new_password).toBe(
      "must be at most 256 characters",
    );
  });

  it("refuses a repeat that differs and a new password equal to the current one", () => {
    expect(checkPasswordForm({ ...valid, repeat: "correct horse batery" })).toEqual({
      repeat: "does not match the new password",
    });
    expect(
      checkPasswordForm({ current_password: "same password", new_password: "same password", repeat: "same password" }),
    ).toEqual({ new_password: "is the same as the current password" });
  });
});
