"""Dispatch: every status change and every lock of calls, units, assignments and consults.

The use cases: `intake`, `lifecycle` (a call's steps, cancellation, later screening answers), `units`
(registration, a unit's status and location), `redirect` (override, escalation, a clinician's routing),
`desk` and `consults` (the crisis desk), `escalation` (the sweep), and `views` (what the API reads). They share
`matching` (the nearest unit, the queue), `moves` (the only code that sets a status) and `transitions` (the state
machines, pure); their SQL is in `repository` (assignments), `queue` and `sending`.

The lock order, the same for every use case, so that no two transactions can wait for each other in a circle:

1. the call's row (its consult, on the crisis desk, changes only under it);
2. its open assignment;
3. the unit's row (a unit-side change that concerns no call starts here);
4. the queue lock (a transaction-scoped advisory lock: shared by calls looking for a unit, exclusive for a unit
   just freed looking for a call, so that neither can miss the other);
5. anything else only with SKIP LOCKED: queued calls a freed unit could take, units a search passes over.

A request validates what it can before taking any lock (a queued call locked by a request bound to fail would be
skipped by a unit freed meanwhile), and re-checks what it read once it holds the lock. Only intake's first
search for a unit ever waits for a unit row out of this order: it holds nothing anyone else could be waiting
for (its call is not yet visible), so the wait cannot close a circle.
"""
