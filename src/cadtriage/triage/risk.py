"""The protocol's risk model: what an unanswered screening question means, per need.

Two calls can leave the same questions unanswered and still differ (triage-criteria.md, "What unknown risk
means"). A found syringe or a request for a ride has no person whose risk needs assessing: the programs take it
by type unless a danger cue is present. A person described only as psychotic has a risk nobody has assessed. So
each need concept carries one treatment of the unanswered questions:

- `none`: no risk to assess; the call goes by type unless a danger cue is present;
- `ask`: the risk is unassessed until the call-taker answers; meanwhile an officer comes with the clinician;
- `assume`: treated as a risk until answered; meanwhile police.

A record that is a call type alone can treat a need apart (`from_call_type`): the programs dispatch by call type,
and the call-taker's screening happened before the type was chosen, so "SUICIDAL SUBJECT" alone goes by type,
where a record with remarks that say nothing of weapons or a plan is asked about.

A jurisdiction that wants every unanswered question treated as unassessed sets `mode: strict`, which reads every
`none` as `ask` and holds a call until every question is answered (the behaviour of protocol 2026.11.1). The
treatments surface as two derived facts (`from_risk: ask` and `from_risk: assume` in the facts section), which
the rules read like any other fact.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Treatment = Literal["none", "ask", "assume"]
TREATMENTS: tuple[Treatment, ...] = ("none", "ask", "assume")


class RiskModel(BaseModel):
    """Which questions decide whether risk is assessed, and each need concept's treatment of them unanswered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["by_type", "strict"] = "by_type"
    questions: list[str] = []
    # The facts that name needs: every concept they read must have a treatment, so none is implicit.
    needs: list[str] = []
    unknown: dict[Treatment, list[str]] = {}
    # Concepts in a record that has a call type and no narrative: their treatment then.
    from_call_type: dict[Treatment, list[str]] = {}
    # Screening fields whose "yes" names a need by itself, with that need's treatment.
    answers: dict[str, Treatment] = {}

    @model_validator(mode="after")
    def _each_concept_once(self) -> RiskModel:
        seen: dict[str, str] = {}
        for treatment, concepts in self.unknown.items():
            for concept in concepts:
                if concept in seen:
                    raise ValueError(
                        f"concept {concept!r} is given two treatments: {seen[concept]}, {treatment}"
                    )
                seen[concept] = treatment
        return self

    def treatment_of(self) -> dict[str, Treatment]:
        """Each listed concept's effective treatment, the jurisdiction's mode applied."""
        return self._effective(self.unknown)

    def call_type_treatment_of(self) -> dict[str, Treatment]:
        """The concepts treated apart when only the call type names them, the jurisdiction's mode applied."""
        return self._effective(self.from_call_type)

    def _effective(self, listed: dict[Treatment, list[str]]) -> dict[str, Treatment]:
        out: dict[str, Treatment] = {}
        for treatment, concepts in listed.items():
            effective: Treatment = "ask" if self.mode == "strict" and treatment == "none" else treatment
            for concept in concepts:
                out[concept] = effective
        return out


def derive(
    values: dict[str, bool | None], questions: tuple[str, ...], present: frozenset[Treatment], *, strict: bool
) -> dict[Treatment, bool]:
    """For each treatment, whether the call has a need so treated and its risk is still unassessed.

    `present` holds the treatments of the needs the call mentions (not negated, not in the past). Unassessed
    means nothing at all is known of the questions (B-HEARD's "not enough information to assess risk": any
    answer, even from the caller's own words, is an assessment); in strict mode, any question left unanswered.
    """
    unknown = [values[name] is None for name in questions]
    unassessed = any(unknown) if strict else all(unknown)
    return {"ask": unassessed and "ask" in present, "assume": unassessed and "assume" in present}
