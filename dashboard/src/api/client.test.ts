import { describe, expect, it, vi } from "vitest";
import { ApiError } from "./api-error";
import { call, callNoContent } from "./call";
import { createApiClient, REQUESTED_WITH } from "./client";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

const unauthenticated = { error: { code: "unauthenticated", message: "session expired", details: [] } };

function clientAnswering(answer: (request: Request) => Response) {
  const seen: Request[] = [];
  const { client, onSessionEnded } = createApiClient({
    baseUrl: "http://farm.test",
    fetch: (request) => {
      seen.push(request);
      return Promise.resolve(answer(request));
    },
  });
  return { client, onSessionEnded, seen };
}

describe("the API client", () => {
  it("sends X-Requested-With on reads and writes (the CSRF rule)", async () => {
    const { client, seen } = clientAnswering(() => new Response(null, { status: 204 }));
    await client.POST("/api/auth/logout");
    await client.GET("/api/nodes");
    expect(seen.map((r) => r.headers.get("X-Requested-With"))).toEqual([REQUESTED_WITH, REQUESTED_WITH]);
  });

  it("reports an ended session when an ordinary call answers 401", async () => {
    const { client, onSessionEnded } = clientAnswering(() => json(401, unauthenticated));
    const ended = vi.fn();
    onSessionEnded(ended);
    await expect(call(client.GET("/api/nodes"))).rejects.toBeInstanceOf(ApiError);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it("does not treat a wrong password or the session check as an ended session", async () => {
    const { client, onSessionEnded } = clientAnswering(() => json(401, unauthenticated));
    const ended = vi.fn();
    onSessionEnded(ended);
    await client.POST("/api/auth/login", { body: { username: "ada", password: "wrong" } });
    await client.GET("/api/auth/session");
    expect(ended).not.toHaveBeenCalled();
  });

  it("stops telling a listener once it unsubscribed", async () => {
    const { client, onSessionEnded } = clientAnswering(() => json(401, unauthenticated));
    const ended = vi.fn();
    const unsubscribe = onSessionEnded(ended);
    unsubscribe();
    await client.GET("/api/nodes");
    expect(ended).not.toHaveBeenCalled();
  });
});

describe("call", () => {
  it("returns the data of a success", async () => {
    const { client } = clientAnswering(() => json(200, { items: [] }));
    await expect(call(client.GET("/api/nodes"))).resolves.toEqual({ items: [] });
  });

  it("turns an error status into an ApiError carrying the ErrorBody", async () => {
    const body = { error: { code: "not_found", message: "node not found", details: [] } };
    const { client } = clientAnswering(() => json(404, body));
    const error = await call(client.GET("/api/nodes/{id}", { params: { path: { id: 9 } } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).failure).toEqual({ kind: "http", status: 404, body });
  });

  it("calls a 200 without a body unreadable", async () => {
    const { client } = clientAnswering(() => new Response("", { status: 200, headers: { "content-length": "0" } }));
    const error = await call(client.GET("/api/nodes")).catch((e: unknown) => e);
    expect((error as ApiError).failure).toEqual({ kind: "unreadable", status: 200 });
  });

  it("accepts a 204 where no content is expected, and rejects an error status", async () => {
    const ok = clientAnswering(() => new Response(null, { status: 204 }));
    await expect(callNoContent(ok.client.POST("/api/auth/logout"))).resolves.toBeUndefined();
    const forbidden = clientAnswering(() =>
      json(403, { error: { code: "forbidden", message: "cross-site request", details: [] } }),
    );
    await expect(callNoContent(forbidden.client.POST("/api/auth/logout"))).rejects.toBeInstanceOf(ApiError);
  });
});
