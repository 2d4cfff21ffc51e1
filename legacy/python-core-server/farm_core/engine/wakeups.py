"""Wakes a node's long-poll (`GET /api/node/commands?wait=...`) as soon as a command is queued."""

from __future__ import annotations

import asyncio


class NodeWakeups:
    """Per node, a future the waiting polls share; waking resolves it and starts a new one, so a
    wake reaches every poll that registered before it (like `Notify::notify_waiters`)."""

    def __init__(self) -> None:
        self._nodes: dict[int, asyncio.Future[None]] = {}
        # Set at shutdown: waiting polls end (empty) so they do not hold the server open.
        self.closed = False

    def of(self, node_id: int) -> asyncio.Future[None]:
        """The future the next wake of `node_id` resolves; take it before looking for commands."""
        future = self._nodes.get(node_id)
        if future is None or future.done():
            future = asyncio.get_running_loop().create_future()
            if self.closed:
                future.set_result(None)
            else:
                self._nodes[node_id] = future
        return future

    def wake(self, node_id: int) -> None:
        future = self._nodes.pop(node_id, None)
        if future is not None and not future.done():
            future.set_result(None)

    def close(self) -> None:
        """Wakes every waiting poll for good (at shutdown)."""
        self.closed = True
        for future in self._nodes.values():
            if not future.done():
                future.set_result(None)
        self._nodes.clear()
