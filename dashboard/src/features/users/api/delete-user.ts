import { useMutation, useQueryClient } from "@tanstack/react-query";
import { callNoContent } from "../../../api/call";
import { api } from "../../../api/client";
import { usersKey } from "./list-users";

/** DELETE /api/users/{id}: the user, their sessions and API tokens. The last enabled admin stays (409). */
export function deleteUser(id: number): Promise<void> {
  return callNoContent(api.DELETE("/api/users/{id}", { params: { path: { id } } }));
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}
