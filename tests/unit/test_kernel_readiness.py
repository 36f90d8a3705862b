"""The engine's kernel client knows a kernel ready from the kernel's own messages (its
``kernel_info`` reply and the idle status after it), not from 0.2 s of silence on IOPub."""

from __future__ import annotations

import asyncio
import functools
from queue import Empty
from types import SimpleNamespace

import pytest

from reviewbuild.notebooks.execute import _PromptClient


class _Channel:
    """Hands out the given messages in order (None: nothing arrived in time)."""

    def __init__(self, messages: list[dict | None]) -> None:
        self.messages = list(messages)

    async def get_msg(self, timeout: float | None = None) -> dict:
        if not self.messages or self.messages[0] is None:
            if self.messages:
                self.messages.pop(0)
            raise Empty
        return self.messages.pop(0)


def _reply(request: str) -> dict:
    return {"parent_header": {"msg_id": request}, "msg_type": "kernel_info_reply",
            "content": {"protocol_version": "5.3"}}


def _status(request: str, state: str) -> dict:
    return {"parent_header": {"msg_id": request}, "msg_type": "status",
            "content": {"execution_state": state}}


def _client(shell: list, iopub: list, alive: bool = True) -> SimpleNamespace:
    requests = iter(f"k{n}" for n in range(1, 100))

    async def is_alive() -> bool:
        return alive

    client = SimpleNamespace(kernel_info=lambda: next(requests), shell_channel=_Channel(shell),
                             iopub_channel=_Channel(iopub), _async_is_alive=is_alive,
                             handled=[])
    client._handle_kernel_info_reply = client.handled.append
    client._idle_after = functools.partial(_PromptClient._idle_after, client)
    return client


def _wait(client: SimpleNamespace, timeout: float | None = 5) -> None:
    asyncio.run(_PromptClient.wait_for_ready(client, timeout))


def test_ready_once_the_kernel_is_idle_after_its_reply():
    later = {"parent_header": {}, "msg_type": "stream", "content": {}}
    client = _client([_reply("k1")], [_status("k1", "busy"), _status("k1", "idle"), later])
    _wait(client)
    assert client.handled == [_reply("k1")]
    assert client.iopub_channel.messages == [later]  # not read: no wait for silence


def test_starts_over_while_iopub_is_not_connected():
    client = _client([_reply("k1"), _reply("k2")],
                     [None, _status("k2", "busy"), _status("k2", "idle")])
    _wait(client)
    assert client.handled == [_reply("k2")]


def test_a_reply_to_an_older_request_is_not_taken_for_this_one():
    client = _client([_reply("k0"), _reply("k2")],
                     [_status("k0", "idle"), _status("k2", "idle")])
    _wait(client)
    assert client.handled == [_reply("k2")]


def test_a_kernel_slow_to_start_is_ready_on_any_request_it_answers():
    """It answers the requests sent while it started, in order, each before the latest one:
    waiting for the latest alone would send a new request per old reply, for ever."""
    client = _client([None, None, None, _reply("k1"), _reply("k2"), _reply("k3"), _reply("k4")],
                     [_status("k2", "idle"), _status("k3", "idle"), _status("k4", "idle")])
    _wait(client)  # k1's idle was published before IOPub connected; k2's was read meanwhile
    assert client.handled == [_reply("k2")]


def test_a_dead_kernel_or_the_bound_ends_the_wait():
    with pytest.raises(RuntimeError, match="died"):
        _wait(_client([None], [], alive=False))
    with pytest.raises(RuntimeError, match="didn't respond in 0 seconds"):
        _wait(_client([None], []), timeout=0)
