import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { usersKey, type User } from "./list-users";

export type UserUpdate = components["schemas"]["UserUpdate"];

/** PATCH /api/users/{id}: role, disabled, or a password reset. The last enabled admin stays (409). */
export function updateUser(id: number, body: UserUpdate): Promise<User> {
  return call(api.PATCH("/api/users/{id}", { params: { path: { id } }, body }));
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, change }: { id: number; change: UserUpdate }) => updateUser(id, change),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}
