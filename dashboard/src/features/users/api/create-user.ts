import { useMutation, useQueryClient } from "@tanstack/react-query";
import { call } from "../../../api/call";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { usersKey, type User } from "./list-users";

export type UserCreate = components["schemas"]["UserCreate"];

/** POST /api/users. */
export function createUser(body: UserCreate): Promise<User> {
  return call(api.POST("/api/users", { body }));
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}
