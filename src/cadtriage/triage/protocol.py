"""The triage protocol: a versioned data file, validated when parsed.

A protocol has a vocabulary (how to read CAD text), concepts (phrases that mean something), facts (what triage
needs to know, each from a screening answer or from concepts), rules (a decision table over facts, in order of
safety), escalation (how long a queued call may wait before it moves up a tier), the crisis desk (`consult`), the
capability catalogue (what units can be qualified for), and examples (calls with the outcome the protocol's
authors expect).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)

from cadtriage.triage.apco import APCO_INCIDENT_TYPES
from cadtriage.triage.catalogue import CAPABILITY_ID, LANGUAGE_SLOT, CapabilityDef, ResponsePlan
from cadtriage.triage.reader import LearnedReader
from cadtriage.triage.risk import RiskModel
from cadtriage.triage.runtime import CompiledPlan, Condition, DeskRule, FactReading, Plans, Reader, Runtime
from cadtriage.triage.scope import (
    BREAK,
    HISTORY_AFTER,
    HISTORY_BEFORE,
    NEGATE_AFTER,
    NEGATE_BEFORE,
    UNCERTAIN,
    UNCERTAIN_AFTER,
    UNKNOWN,
    UNKNOWN_AFTER,
)
from cadtriage.triage.text import Lexicon
from cadtriage.triage.types import RESTRICTIVENESS, SCREENING_FIELDS, ResponseType

Expect = bool | Literal["unknown", "known", "not_false", "not_true"]

# The fact values (True, False, None for unknown) each expectation accepts.
ACCEPTS: dict[Expect, frozenset[bool | None]] = {
    True: frozenset({True}),
    False: frozenset({False}),
    "unknown": frozenset({None}),
    "known": frozenset({True, False}),
    "not_false": frozenset({True, None}),
    "not_true": frozenset({False, None}),
}

# What a civilian_crisis rule must require of every fact read from these screening fields, of every fact the
# protocol marks `bars_civilian`, and of the risk model's derived facts: never true. Unknown may pass; the risk
# model, not the guard, says what unknown means.
CIVILIAN_DANGER_FIELDS = frozenset(
    {"weapons", "violence", "crime_in_progress", "domestic_violence", "medical_emergency"}
)
CIVILIAN_GUARD: tuple[Expect, ...] = (False, "not_true")
# The same for the crisis desk, which also keeps away a caller who asks for police.
DESK_DANGER_FIELDS = CIVILIAN_DANGER_FIELDS | {"police_requested"}


class ProtocolError(ValueError):
    """A protocol file that cannot be used; the message names the file, the rule and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cues(_Strict):
    """Words that qualify the concepts near them, rather than being concepts themselves."""

    negate: list[str]
    negate_after: list[str] = []
    history: list[str] = []
    history_after: list[str] = []
    uncertain: list[str] = []
    uncertain_after: list[str] = []
    unknown: list[str] = []
    unknown_after: list[str] = []
    clause_break: list[str] = []


class Vocabulary(_Strict):
    """How CAD text is normalised before concepts are looked for."""

    replacements: dict[str, str] = {}
    abbreviations: dict[str, str] = {}
    upper_abbreviations: dict[str, str] = {}
    keep_codes: list[str] = []
    # Concepts whose words are restored from a typing slip in narratives too ("STABED"); call types always are.
    spelled_in_narratives: list[str] = []
    # Words (as read, shorthand expanded) a slash lists after a denial when each stands alone ("NO WPNS/VIOLENCE");
    # elsewhere a slash ends a denial ("NO WPNS/DV IN PROGRESS").
    slash_lists: list[str] = []
    # How many words a denial may reach ("denies having any weapons"), and how many history, possibility and
    # "don't know" may reach ("not sure if he has a gun").
    scope_window: int = Field(default=5, ge=1, le=12)
    qualifier_window: int = Field(default=5, ge=1, le=12)
    cues: Cues


class FactDef(_Strict):
    """A fact triage needs: from a screening answer when given, else from concepts in the text.

    `reassured_by` names concepts that answer it "no" ("not aggressive", "cooperative" answer violence);
    `outweighed_by` names concepts that answer it "no" even over a mention of it ("passed out" is answered by
    "snoring, rolled over when she spoke");
    `from_risk` makes it the risk model's derived fact for that treatment; `bars_civilian` puts it under the
    civilian guard (a civilian rule must require it not true). `screening_no_settles: false` lets the narrative
    still say yes over a screening "no" that answers a narrower question ("crime in progress: no" does not deny a
    theft the narrative reports); a screening "yes" always settles, and a call type never outranks an answer.
    """

    screening: str | None = None
    screening_no_settles: bool = True
    concepts: list[str] = []
    reassured_by: list[str] = []
    outweighed_by: list[str] = []
    history_of: list[str] = []
    from_risk: Literal["ask", "assume"] | None = None
    from_reader: bool = False  # set by a learned reader of the remarks (`readers`), nothing else
    bars_civilian: bool = False
    description: str = ""

    @model_validator(mode="after")
    def _has_source(self) -> FactDef:
        if self.from_risk is not None or self.from_reader:
            others = (
                self.screening or self.concepts or self.history_of or self.reassured_by or self.outweighed_by
            )
            if others or (self.from_risk is not None and self.from_reader):
                raise ValueError("a fact derived from the risk model or the reader has no other source")
            return self
        if self.screening is None and not self.concepts and not self.history_of:
            raise ValueError("a fact needs a screening field, concepts, history_of or from_risk")
        if self.screening is not None and self.screening not in SCREENING_FIELDS:
            raise ValueError(
                f"unknown screening field {self.screening!r}; known: {', '.join(SCREENING_FIELDS)}"
            )
        return self


class ReaderDef(_Strict):
    """A learned reader of the remarks (`triage.reader`): its weights' file, beside the protocol file (else the
    one shipped in the package), the score from which its fact is true, the concepts whose clause it does not read
    (reassurance), the concepts whose own words it does not read (words in another sense), the screening questions
    that, all answered "no", leave the decision to the rules, and the facts that, true, do the same."""

    model: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.json$")
    threshold: float = Field(gt=0, lt=1)
    fact: str
    quiet: list[str] = []
    unread: list[str] = []
    deferred_by: list[str] = []
    silent_with: list[str] = []  # facts that, true, leave the call to the rules


class Rule(_Strict):
    """One row of the decision table. The first matching rule with a response type decides; rules without
    one are modifiers (priority, EMS) that apply whenever they match."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
    when: dict[str, Expect] = {}
    any: list[dict[str, Expect]] = []
    response_type: ResponseType | None = None
    priority: int | None = Field(default=None, ge=1, le=5)
    notify_ems: bool = False
    only_for: list[ResponseType] = []
    reason: str = Field(min_length=3)
    criterion: str = Field(min_length=3)

    @model_validator(mode="after")
    def _decider_has_priority(self) -> Rule:
        if self.response_type is not None and self.priority is None:
            raise ValueError("a rule that decides a response type needs a priority")
        return self

    def conditions(self) -> tuple[Condition, tuple[Condition, ...]]:
        """`when` and `any` as (fact, accepted values) pairs, for fast matching."""

        def compiled(group: dict[str, Expect]) -> Condition:
            return tuple((name, ACCEPTS[expect]) for name, expect in group.items())

        return compiled(self.when), tuple(compiled(group) for group in self.any)

    def facts(self) -> set[str]:
        """Every fact this rule reads."""
        names = set(self.when)
        for group in self.any:
            names.update(group)
        return names


class EscalationStep(_Strict):
    """A queued call of this type waiting longer than `after_s` is re-requested as `to`."""

    after_s: int = Field(gt=0)
    to: ResponseType


class ConsultSection(_Strict):
    """The crisis desk: a clinician in the 911 centre who may resolve or route a call before anyone drives.

    `transfer`: an eligible call waits on the desk instead of being dispatched, at most `max_wait_s`, then is
    dispatched as triaged (and so is one picked up but left without an outcome for `max_claim_s`);
    `conference`: it is dispatched as usual and a clinician joins it; `off`: no desk.
    A call is eligible when triage sends one of `response_types` and every fact in `when` holds.
    """

    mode: Literal["off", "transfer", "conference"] = "off"
    max_wait_s: int = Field(default=60, gt=0, le=3600)
    # A clinician who picked a call up but records no outcome this long after is presumed gone.
    max_claim_s: int = Field(default=1800, gt=0, le=86_400)
    response_types: list[ResponseType] = [ResponseType.civilian_crisis, ResponseType.co_responder]
    when: dict[str, Expect] = {}
    reason: str = "eligible for the crisis desk"
    criterion: str = ""


class ExampleCall(_Strict):
    call_type: str | None = None
    narrative: str | None = None
    screening: dict[str, bool | None] = {}


class ExampleExpect(_Strict):
    response_type: ResponseType
    priority: int | None = None
    notify_ems: bool | None = None
    rules: list[str] = []


class IncidentTypes(_Strict):
    """How a call is named to other centres (NENA EIDO's incident type): the APCO ANS 2.103 common incident type
    of the first concept, in this order, that its evidence shows (not denied, not in the past), else `default`. A
    call type that is itself an APCO code keeps it."""

    by_concept: dict[str, str] = {}
    default: str = "TROUBLE"

    def check(self, concepts: Collection[str]) -> None:
        """Refuse a concept the protocol lacks or a code the APCO registry lacks."""
        for concept, code in self.by_concept.items():
            if concept not in concepts:
                raise ValueError(f"incident_types names unknown concept {concept!r}")
            if code not in APCO_INCIDENT_TYPES:
                raise ValueError(f"incident_types maps {concept!r} to {code!r}, not an APCO ANS 2.103 code")
        if self.default not in APCO_INCIDENT_TYPES:
            raise ValueError(f"incident_types default {self.default!r} is not an APCO ANS 2.103 code")


class Example(_Strict):
    """A call with the outcome the protocol must give it; run by `cadtriage protocol check`."""

    name: str
    call: ExampleCall
    expect: ExampleExpect


class Protocol(_Strict):
    """A whole, validated protocol."""

    version: str = Field(min_length=1, max_length=32)
    name: str
    description: str = ""
    vocabulary: Vocabulary
    concepts: dict[str, list[str]]
    # Call types are terse labels: a bare word there names what it would not name in a sentence ("CUTTING" is a
    # cutting assault, "cutting the hedge" is not). These phrases are read in the call type only.
    call_type_concepts: dict[str, list[str]] = {}
    facts: dict[str, FactDef]
    rules: list[Rule] = Field(min_length=1)
    risk: RiskModel = RiskModel()
    readers: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,32}$")], ReaderDef] = {}
    escalation: dict[ResponseType, EscalationStep] = {}
    consult: ConsultSection = ConsultSection()
    capabilities: dict[Annotated[str, StringConstraints(pattern=CAPABILITY_ID)], CapabilityDef] = {}
    centre_language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
    response_plans: list[ResponsePlan] = []
    incident_types: IncidentTypes = IncidentTypes()
    examples: list[Example] = []
    _runtime: Runtime = PrivateAttr()

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        for where, named in (
            ("call_type_concepts", self.call_type_concepts),
            ("vocabulary.spelled_in_narratives", self.vocabulary.spelled_in_narratives),
        ):
            for concept in named:
                if concept not in self.concepts:
                    raise ValueError(f"{where} names unknown concept {concept!r}")
        for name, fact in self.facts.items():
            for concept in (*fact.concepts, *fact.history_of, *fact.reassured_by, *fact.outweighed_by):
                if concept not in self.concepts:
                    raise ValueError(f"fact {name!r} names unknown concept {concept!r}")
        self._check_risk_model()
        self._check_readers()
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
            unknown = rule.facts() - set(self.facts)
            if unknown:
                raise ValueError(f"rule {rule.id!r} reads unknown facts: {', '.join(sorted(unknown))}")
        last = self.rules[-1]
        if last.response_type is None or last.when or last.any:
            raise ValueError(
                f"the last rule ({last.id!r}) must be an unconditional default with a response type"
            )
        for rule in self.rules:
            if rule.response_type is ResponseType.civilian_crisis:
                self._check_civilian_guard(rule)
        self._check_desk_guard()
        self._check_plans()
        self.incident_types.check(self.concepts)
        for source, step in self.escalation.items():
            if RESTRICTIVENESS[step.to] <= RESTRICTIVENESS[source]:
                raise ValueError(
                    f"escalation from {source} to {step.to} does not move up to a more armed response"
                )
        return self

    def _check_risk_model(self) -> None:
        risk = self.risk
        for question in risk.questions:
            if question not in self.facts or self.facts[question].screening is None:
                raise ValueError(f"risk question {question!r} is not a fact read from a screening answer")
        for concepts in risk.unknown.values():
            for concept in concepts:
                if concept not in self.concepts:
                    raise ValueError(f"risk model names unknown concept {concept!r}")
        treated = risk.treatment_of()
        for concept in risk.call_type_treatment_of():
            if concept not in treated:
                raise ValueError(
                    f"risk model treats {concept!r} apart in call types but gives it no treatment"
                )
        for field in risk.answers:
            if field not in SCREENING_FIELDS:
                raise ValueError(f"risk model names unknown screening field {field!r}")
        for name in risk.needs:
            if name not in self.facts:
                raise ValueError(f"risk model names unknown need fact {name!r}")
        needs = {c for name in risk.needs for c in self.facts[name].concepts}
        untreated = sorted(needs - set(risk.treatment_of()))
        if risk.unknown and untreated:
            raise ValueError(f"risk model gives no treatment to need concepts: {', '.join(untreated)}")
        derived = [fact.from_risk for fact in self.facts.values() if fact.from_risk]
        if len(derived) != len(set(derived)):
            raise ValueError("two facts derive from the same risk treatment")
        if risk.unknown and not risk.questions:
            raise ValueError("a risk model with treatments needs the questions they are about")

    def _check_readers(self) -> None:
        fed = sorted(name for name, fact in self.facts.items() if fact.from_reader)
        read = sorted(reader.fact for reader in self.readers.values())
        if fed != read:
            raise ValueError(
                f"readers and facts marked from_reader must match one to one: facts {fed}, readers' facts {read}"
            )
        for key, reader in self.readers.items():
            self._check_reader(key, reader)

    def _check_reader(self, key: str, reader: ReaderDef) -> None:
        # A reader can only make a decision more careful: its fact bars a civilian team, or only modifiers read it.
        fact = self.facts[reader.fact]
        deciding = [r.id for r in self.rules if r.response_type is not None and reader.fact in r.facts()]
        if deciding and not fact.bars_civilian:
            raise ValueError(
                f"readers.{key}: fact {reader.fact!r} decides rule {deciding[0]!r}, so it must bar a civilian team"
                " (bars_civilian: true)"
            )
        for name, concepts in (("quiet", reader.quiet), ("unread", reader.unread)):
            for concept in concepts:
                if concept not in self.concepts:
                    raise ValueError(f"readers.{key}.{name} names unknown concept {concept!r}")
        for field in reader.deferred_by:
            if field not in SCREENING_FIELDS:
                raise ValueError(f"readers.{key}.deferred_by names unknown screening field {field!r}")
        for name in reader.silent_with:
            if name not in self.facts or self.facts[name].from_reader or self.facts[name].from_risk:
                raise ValueError(f"readers.{key}.silent_with names {name!r}, not a fact read from the call")

    def _check_civilian_guard(self, rule: Rule) -> None:
        # The safety invariant is structural: a civilian rule must itself exclude every danger, whatever rules
        # come before it, so that reordering or deleting a safety rule can never send a civilian team into one.
        for fact_name, fact in self.facts.items():
            guarded = (
                fact.screening in CIVILIAN_DANGER_FIELDS or fact.bars_civilian or fact.from_risk is not None
            )
            if guarded and rule.when.get(fact_name) not in CIVILIAN_GUARD:
                raise ValueError(
                    f"civilian_crisis rule {rule.id!r} must require {fact_name!r} to be "
                    f"{' or '.join(map(str, CIVILIAN_GUARD))} in its `when`"
                )

    def _check_desk_guard(self) -> None:
        # As for civilian rules, safety is structural: the desk's own conditions must exclude every danger and a
        # caller's request for police, so that no edit elsewhere can put a dangerous call on hold.
        desk = self.consult
        unknown = sorted(set(desk.when) - set(self.facts))
        if unknown:
            raise ValueError(f"consult reads unknown facts: {', '.join(unknown)}")
        if desk.mode == "off":
            return
        for fact_name, fact in self.facts.items():
            guarded = fact.screening in DESK_DANGER_FIELDS or fact.bars_civilian
            if guarded and desk.when.get(fact_name) not in CIVILIAN_GUARD:
                raise ValueError(
                    f"consult must require {fact_name!r} to be {' or '.join(map(str, CIVILIAN_GUARD))} in its `when`"
                )

    def _check_plans(self) -> None:
        # A plan must name what a unit can hold: a catalogue id, or with the language slot, a family the
        # catalogue has at least one member of (`interpreter:{language}` and `interpreter:es`).
        seen: set[str] = set()
        for plan in self.response_plans:
            if plan.id in seen:
                raise ValueError(f"response plan id {plan.id!r} is used twice")
            seen.add(plan.id)
            unknown = sorted(set(plan.when) - set(self.facts))
            if unknown:
                raise ValueError(f"response plan {plan.id!r} reads unknown facts: {', '.join(unknown)}")
            family = plan.capability.split(LANGUAGE_SLOT)[0]
            known = (
                any(name.startswith(family) for name in self.capabilities)
                if LANGUAGE_SLOT in plan.capability
                else plan.capability in self.capabilities
            )
            if not known:
                raise ValueError(
                    f"response plan {plan.id!r} names {plan.capability!r}, which the capability catalogue lacks"
                )

    def _plans(self) -> Plans:
        compiled = tuple(
            CompiledPlan(
                rule=plan.id,
                response_types=tuple(plan.response_types),
                when=tuple((name, ACCEPTS[expect]) for name, expect in plan.when.items()),
                other_language=plan.language == "other",
                capability=plan.capability,
                required=plan.require is not None,
                within_m=plan.within_m,
            )
            for plan in self.response_plans
        )
        return Plans(compiled, frozenset(self.capabilities), self.centre_language)

    def _desk_rule(self) -> DeskRule:
        desk = self.consult
        return DeskRule(
            mode=desk.mode,
            max_wait_s=desk.max_wait_s,
            max_claim_s=desk.max_claim_s,
            response_types=frozenset(desk.response_types),
            when=tuple((name, ACCEPTS[expect]) for name, expect in desk.when.items()),
            reason=desk.reason,
            descriptions={name: fact.description for name, fact in self.facts.items()},
        )

    def model_post_init(self, context: Any, /) -> None:
        cues = self.vocabulary.cues
        phrases: dict[str, list[str]] = {
            NEGATE_BEFORE: cues.negate,
            NEGATE_AFTER: cues.negate_after,
            HISTORY_BEFORE: cues.history,
            HISTORY_AFTER: cues.history_after,
            UNCERTAIN: cues.uncertain,
            UNCERTAIN_AFTER: cues.uncertain_after,
            UNKNOWN: cues.unknown,
            UNKNOWN_AFTER: cues.unknown_after,
            BREAK: cues.clause_break,
            **self.concepts,
        }
        lexicon = self._lexicon(phrases)
        call_type_lexicon = lexicon
        if self.call_type_concepts:
            extra = self.call_type_concepts
            call_type_lexicon = self._lexicon(
                {**phrases, **{c: [*phrases.get(c, []), *extra.get(c, [])] for c in extra}}
            )
        facts = tuple(_reading(name, fact) for name, fact in self.facts.items())
        self._runtime = Runtime(
            version=self.version,
            lexicon=lexicon,
            call_type_lexicon=call_type_lexicon,
            readers_of_text=tuple(self._reader(key, reader, context) for key, reader in self.readers.items()),
            facts=facts,
            fact_names=tuple(f.name for f in facts),
            rules=tuple((rule, *rule.conditions()) for rule in self.rules),
            treatments=self.risk.treatment_of(),
            call_type_treatments=self.risk.call_type_treatment_of(),
            questions=tuple(self.risk.questions),
            question_concepts=tuple(c for q in self.risk.questions for c in self.facts[q].concepts),
            strict=self.risk.mode == "strict",
            answers=dict(self.risk.answers),
            need_fields=self._need_fields(),
            readers=_readers(facts),
            screened=tuple(f for f in facts if f.screening is not None),
            rule_facts={rule.id: tuple(sorted(rule.facts())) for rule in self.rules},
            desk=self._desk_rule(),
            plans=self._plans(),
        )

    def _reader(self, key: str, reader: ReaderDef, context: Any) -> Reader:
        read_model = (context or {}).get("read_model")
        if read_model is None:
            raise ValueError(
                f"readers.{key}: model {reader.model!r} was not given: load_protocol reads it beside the protocol file"
            )
        trained = read_model(reader.model)
        model = LearnedReader(
            bias=float(trained["bias"]),
            weights={str(k): float(v) for k, v in trained["weights"].items()},
            threshold=reader.threshold,
            quiet=frozenset(reader.quiet),
            unread=frozenset(reader.unread),
            trained_on=str(trained.get("trained_on", "")),
            unnamed=frozenset(str(f) for f in trained.get("unnamed", ())),
        )
        return Reader(key, model, reader.fact, tuple(reader.deferred_by), tuple(reader.silent_with))

    def _lexicon(self, phrases: dict[str, list[str]]) -> Lexicon:
        vocabulary = self.vocabulary
        return Lexicon(
            vocabulary.replacements,
            vocabulary.abbreviations,
            phrases,
            keep_codes=vocabulary.keep_codes,
            scope_window=vocabulary.scope_window,
            qualifier_window=vocabulary.qualifier_window,
            upper_abbreviations=vocabulary.upper_abbreviations,
            spelled_in_narratives=vocabulary.spelled_in_narratives,
            slash_lists=vocabulary.slash_lists,
        )

    def _need_fields(self) -> dict[str, tuple[str, ...]]:
        # A need concept is ruled out by "no" to the screening questions of every need fact that reads it; one
        # read by a fact with no screening question never is.
        out: dict[str, tuple[str, ...]] = {}
        for name in self.risk.needs:
            for concept in self.facts[name].concepts:
                readers = [self.facts[n] for n in self.risk.needs if concept in self.facts[n].concepts]
                if all(f.screening for f in readers):
                    out[concept] = tuple(f.screening for f in readers if f.screening)
        return out

    @property
    def runtime(self) -> Runtime:
        """The protocol compiled for the engine."""
        return self._runtime

    @property
    def lexicon(self) -> Lexicon:
        """The compiled vocabulary."""
        return self._runtime.lexicon


def _readers(facts: tuple[FactReading, ...]) -> dict[str, tuple[FactReading, ...]]:
    out: dict[str, list[FactReading]] = {}
    for reading in facts:
        for concept in reading.watched:
            out.setdefault(concept, []).append(reading)
    return {concept: tuple(readings) for concept, readings in out.items()}


def _reading(name: str, fact: FactDef) -> FactReading:
    concepts, reassurance, outweighing, past = (
        frozenset(fact.concepts),
        frozenset(fact.reassured_by),
        frozenset(fact.outweighed_by),
        frozenset(fact.history_of),
    )
    watched = concepts | reassurance | outweighing | past
    return FactReading(
        name,
        fact.screening,
        concepts,
        reassurance,
        outweighing,
        past,
        fact.from_risk,
        watched,
        fact.screening_no_settles,
    )


def _describe(raw: Any, loc: tuple[int | str, ...]) -> str:
    """A readable path into the protocol, naming rules by id: `rules[3] (safety.weapon).priority`."""
    parts: list[str] = []
    node = raw
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if (
                isinstance(node, list)
                and key < len(node)
                and isinstance(node[key], dict)
                and "id" in node[key]
            ):
                label += f" ({node[key]['id']})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
        node = _child(node, key)
    return "".join(parts) or "(top level)"


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    if isinstance(node, dict):
        return node.get(key)
    return None


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: plain YAML keeps the last silently, and a
    concept or rule written twice would lose its first list without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_protocol(
    text: str, source: str, read_model: Callable[[str], Mapping[str, Any]] | None = None
) -> Protocol:
    """Parse and validate protocol YAML; `source` names the file in error messages; `read_model` reads a data
    file the protocol names (a learned reader's weights) by its file name."""
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ProtocolError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ProtocolError(f"{source}: a protocol is a mapping with version, rules, facts, ...")
    try:
        return Protocol.model_validate(raw, context={"read_model": read_model})
    except ValidationError as exc:
        lines = [f"{source}: invalid protocol"]
        for err in exc.errors():
            lines.append(f"  {_describe(raw, tuple(err['loc']))}: {err['msg']}")
        raise ProtocolError("\n".join(lines)) from exc
    except ValueError as exc:  # a phrase the lexicon refuses
        raise ProtocolError(f"{source}: {exc}") from exc
