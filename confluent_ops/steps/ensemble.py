"""Roll a ZooKeeper ensemble: followers first, the leader last, each back in the quorum first.

A ZooKeeper ensemble of 2n+1 servers survives n down; restarting one at a time keeps a majority
as long as every other server is in the quorum when it goes. :class:`EnsembleRoll` checks that
before each stop (from the servers' own four-letter words, through the
:class:`~confluent_ops.ports.ZooKeeper` port), restarts the followers first and the leader last
(one leader election, not one per restart), and waits after each start until the server answers
as a follower or leader again.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from confluent_ops.errors import InvalidInput
from confluent_ops.ports import Clock, EnsembleLifecycle, EnsembleServer, ZooKeeper
from confluent_ops.steps._waits import step_policy
from confluent_ops.steps.events import (
    BrokerStarted,
    BrokerStopped,
    Emit,
    StepDone,
    StepProgress,
    StepStarted,
    StepWaiting,
    ignore,
)
from confluent_ops.waiting import SYSTEM_CLOCK, Check, WaitPolicy, wait_for

__all__ = ["EnsembleRoll", "EnsembleRollResult"]

_IN_QUORUM = frozenset({"leader", "follower", "standalone"})


@attrs.frozen
class EnsembleRollResult:
    """The servers restarted, in order, and how long the roll took."""

    servers: tuple[int, ...]
    seconds: float


class EnsembleRoll:
    """Restart every server of an ensemble, followers first, the leader last."""

    step = "zookeeper-roll"

    def __init__(
        self,
        zookeeper: ZooKeeper,
        lifecycle: EnsembleLifecycle,
        *,
        emit: Emit = ignore,
        policy: WaitPolicy | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.zookeeper = zookeeper
        self.lifecycle = lifecycle
        self.emit = emit
        self.policy = policy or step_policy(stall=120.0, clock=clock)
        self.clock = clock

    def _servers(self) -> dict[int, EnsembleServer]:
        """Each server id with what its four-letter words say now."""
        by_address = {s.address: s for s in self.zookeeper.ensemble()}
        found = {}
        for server in self.lifecycle.servers():
            address = self.lifecycle.status(server).address
            if address not in by_address:
                raise InvalidInput(
                    f"server {server} ({address}) is not in the ensemble the port watches: "
                    f"{sorted(by_address)}"
                )
            found[server] = by_address[address]
        return found

    def order(self) -> tuple[int, ...]:
        """Servers not in the quorum first, then followers by id, the leader last."""
        servers = self._servers()
        out = [s for s, seen in sorted(servers.items()) if seen.mode not in _IN_QUORUM]
        followers = [s for s, seen in sorted(servers.items()) if seen.mode == "follower"]
        leaders = [
            s for s, seen in sorted(servers.items()) if seen.mode in ("leader", "standalone")
        ]
        return (*out, *followers, *leaders)

    def preview(self) -> tuple[int, ...]:
        """The order the roll would restart the servers in (changing nothing)."""
        order = self.order()
        self.emit(
            StepStarted(
                self.step,
                f"restart ZooKeeper servers in the order {list(order)} (the leader last)",
                (),
                None,
                True,
            )
        )
        return order

    def run(self) -> EnsembleRollResult:
        started = self.clock.monotonic()
        order = self.order()
        self.emit(StepStarted(self.step, f"restart ZooKeeper servers {list(order)}"))
        for index, server in enumerate(order, 1):
            if self.lifecycle.status(server).running:
                self._wait_quorum_without(server)
                self.emit(BrokerStopped(self.step, server, "ZooKeeper roll"))
                self.lifecycle.stop(server)
            self.lifecycle.start(server)
            self.emit(BrokerStarted(self.step, server))
            self._wait_back(server)
            self.emit(StepProgress(self.step, "servers", index, len(order)))
        seconds = self.clock.monotonic() - started
        self.emit(StepDone(self.step, f"{len(order)} ZooKeeper server(s) restarted", seconds))
        return EnsembleRollResult(order, seconds)

    def _wait(self, look: Callable[[], Check[None]], what: str) -> None:
        def say(check: Check[None], seconds: float) -> None:
            self.emit(StepWaiting(self.step, what, check.blocker, seconds))

        wait_for(look, policy=self.policy, what=what, on_wait=say)

    def _wait_quorum_without(self, server: int) -> None:
        """Every other server is in the quorum: stopping ``server`` keeps a majority."""

        def look() -> Check[None]:
            servers = self._servers()
            others = {s: seen for s, seen in servers.items() if s != server}
            missing = [s for s, seen in others.items() if seen.mode not in _IN_QUORUM]
            left = len(servers) - 1
            majority = len(servers) // 2 + 1
            met = not missing and (left >= majority or len(servers) == 1)
            blocker = (
                f"servers {missing} are not in the quorum"
                if missing
                else "a majority would not remain"
            )
            return Check(met, None, (len(others) - len(missing),), blocker)

        self._wait(look, f"it to be safe to restart server {server}")

    def _wait_back(self, server: int) -> None:
        """The server answers as a member of the quorum, and the ensemble has one leader."""

        def look() -> Check[None]:
            servers = self._servers()
            leaders = [s for s, seen in servers.items() if seen.mode in ("leader", "standalone")]
            mode = servers[server].mode
            met = mode in _IN_QUORUM and len(leaders) == 1
            status = self.lifecycle.status(server)
            blocker = f"server {server} answers {mode or 'nothing'}; leaders {leaders}"
            return Check(met, None, (mode, status.progress, status.running), blocker)

        self._wait(look, f"server {server} to be back in the quorum")
