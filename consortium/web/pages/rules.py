"""A bid's eligibility rules: one small form per kind of rule (from ``RULE_KINDS``), its plain-English wording
updated as the convenor types (HTMX), and the rules as raw JSON for those who want them."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath

from consortium.analysis.rules import RULE_KINDS, RuleError, RuleKind, parse_rules
from consortium.bids import schemas
from consortium.bids import services as bids
from consortium.errors import NotFound, ServiceError
from consortium.reference.districts import NATIONS, REGIONS
from consortium.web.identity import CurrentUser
from consortium.web.pages import forms
from consortium.web.pages.common import PageController, PageRequest, convenor_bid
from consortium.web.pages.rendering import pounds_input, redirect, render
from consortium.words import ORG_TYPE_NAMES

# What each parameter asks, in words: (kind, parameter) first, then the parameter alone.
LABELS: dict[tuple[str, str] | str, str] = {
    ("min_pledge", "amount_pence"): "Smallest pledge a member can make",
    ("max_pledge", "amount_pence"): "Largest pledge a member can make",
    ("min_total", "amount_pence"): "Smallest total of eligible pledges",
    ("max_total", "amount_pence"): "Largest total of eligible pledges",
    ("min_members", "count"): "Fewest members",
    ("min_regions", "count"): "Fewest regions the money reaches",
    ("min_districts", "count"): "Fewest districts the money reaches",
    ("max_member_share", "percent"): "Largest share of the eligible total one member can hold",
    ("min_homes", "homes"): "Fewest homes managed by the members between them",
    "org_types": "Types of organisation that can take part",
    "area_codes": "Where the money can go",
}
# How a problem names each figure: "Enter the fewest members as a whole number, like 12."
WHAT: dict[tuple[str, str], str] = {
    ("min_pledge", "amount_pence"): "the smallest pledge",
    ("max_pledge", "amount_pence"): "the largest pledge",
    ("min_total", "amount_pence"): "the smallest total",
    ("max_total", "amount_pence"): "the largest total",
    ("min_members", "count"): "the fewest members",
    ("min_regions", "count"): "the fewest regions",
    ("min_districts", "count"): "the fewest districts",
    ("max_member_share", "percent"): "the largest share, in percent,",
    ("min_homes", "homes"): "the fewest homes",
}
SCOPE_TITLES = {
    "member": ("Rules for each member", "A member that does not meet one of these does not count towards the bid."),
    "consortium": ("Rules for the consortium as a whole", "The eligible members together must meet these."),
}


@dataclass
class ParamField:
    name: str
    input_id: str
    widget: str  # pounds | number | percent | org_types | areas | text
    label: str
    value: str | list[str]
    options: list[tuple[str, str, None]] = field(default_factory=list)


@dataclass
class RuleForm:
    key: str
    scope: str
    title: str
    enabled: bool
    fields: list[ParamField]
    description: str | None

    @property
    def checkbox_id(self) -> str:
        return f"rule-{self.key}"


def _widget(kind: RuleKind, name: str, annotation: Any) -> str:
    if name == "amount_pence":
        return "pounds"
    if name == "percent":
        return "percent"
    if name == "org_types":
        return "org_types"
    if name == "area_codes":
        return "areas"
    return "number" if annotation is int else "text"


def _options(widget: str) -> list[tuple[str, str, None]]:
    if widget == "org_types":
        return [(key, name, None) for key, name in ORG_TYPE_NAMES.items()]
    if widget == "areas":
        return [(code, f"{name} (all of it)", None) for code, name in NATIONS.items() if code.startswith("E")] + [
            (code, name, None) for code, name in REGIONS.items()
        ]
    return []


def _shown(widget: str, value: Any) -> str | list[str]:
    if widget in {"org_types", "areas"}:
        return [str(v) for v in value or []]
    if value is None:
        return ""
    return pounds_input(int(value)) if widget == "pounds" else str(value)


def blank_forms(stored: Mapping[str, Mapping[str, Any]]) -> list[RuleForm]:
    """A form for every kind of rule, filled from the bid's rules (key -> params)."""
    out = []
    for kind in RULE_KINDS.values():
        params = stored.get(kind.key)
        fields = []
        for struct_field in msgspec.structs.fields(kind.type):
            widget = _widget(kind, struct_field.name, struct_field.type)
            fields.append(
                ParamField(
                    name=struct_field.name,
                    input_id=f"rule-{kind.key}-{struct_field.name}",
                    widget=widget,
                    label=LABELS.get((kind.key, struct_field.name))
                    or LABELS.get(struct_field.name)
                    or struct_field.name,
                    value=_shown(widget, (params or {}).get(struct_field.name)),
                    options=_options(widget),
                )
            )
        description = None
        if params is not None:
            description = _describe(kind, {"key": kind.key, **params})
        out.append(RuleForm(kind.key, kind.scope, kind.title, params is not None, fields, description))
    return out


def in_words(problem: str) -> str:
    """The parser's "Rule 1 (min_regions): the UK has 12 ..." as a sentence for the form: "The UK has 12 ..."."""
    return problem.split(": ", 1)[-1].capitalize() + "."


def _describe(kind: RuleKind, raw: dict[str, Any]) -> str | None:
    try:
        rule = parse_rules([raw])[0]
    except RuleError:
        return None
    return kind.describe(rule)


def read_rule(
    kind: RuleKind, form: forms.Fields, errors: forms.FormErrors | None
) -> tuple[dict[str, Any], list[ParamField]]:
    """The rule's stored form from what was typed, and its fields with the typed values (to show again)."""
    raw: dict[str, Any] = {"key": kind.key}
    sink = errors if errors is not None else forms.FormErrors()  # problems of a rule not in use are not shown
    fields = blank_forms({})[list(RULE_KINDS).index(kind.key)].fields
    for param in fields:
        if param.widget in {"org_types", "areas"}:
            param.value = [str(v) for v in form.getall(param.input_id, []) if isinstance(v, str)]
            raw[param.name] = param.value
            if not param.value:
                what = "organisation type" if param.widget == "org_types" else "region or nation"
                sink.add(param.input_id, f"{kind.title}: choose at least one {what}.")
            continue
        typed = form.get(param.input_id)
        param.value = typed.strip() if isinstance(typed, str) else ""
        what = WHAT.get((kind.key, param.name), param.label[:1].lower() + param.label[1:])
        if param.widget == "pounds":
            amount = forms.pounds(param.value, param.input_id, sink, what=what)
            raw[param.name] = amount
        else:
            number = forms.whole_number(param.value.rstrip("%"), param.input_id, sink, what=what)
            raw[param.name] = number
    return raw, fields


def read_rules(
    form: FormMultiDict, errors: forms.FormErrors, in_use: Collection[str] = ()
) -> tuple[list[dict[str, Any]], list[RuleForm]]:
    """The rules ticked on the form. ``in_use``: the bid's rules before, whose unticking (figures still filled in)
    takes them out; a figure filled in for a rule that was not in use and is not ticked is asked about instead."""
    chosen: list[dict[str, Any]] = []
    shown: list[RuleForm] = []
    for kind in RULE_KINDS.values():
        enabled = forms.checked(form, f"rule-{kind.key}")
        problems_before = len(errors.items)
        raw, fields = read_rule(kind, form, errors if enabled else None)
        if not enabled and kind.key not in in_use:
            _filled_but_not_ticked(kind, fields, errors)
        description = None
        if enabled and len(errors.items) == problems_before:
            # Whether the rule can be used, alone and with the others, is the services' to say (``bids.check_rules``).
            chosen.append(raw)
            description = _describe(kind, raw)
        shown.append(RuleForm(kind.key, kind.scope, kind.title, enabled, fields, description))
    return chosen, shown


def rule_field_ids() -> dict[str, str]:
    """The form's field for each kind of rule a service's problem is about ("rules.min_pledge"): its first figure,
    or its tick box when it has none."""
    return {
        f"rules.{form.key}": form.fields[0].input_id if form.fields else form.checkbox_id for form in blank_forms({})
    }


def in_form_order(errors: forms.FormErrors) -> None:
    """The problems in the order the form shows its rules, as its error summary lists them."""
    order = [f"rule-{key}" for key in RULE_KINDS]

    def position(item: tuple[str | None, str]) -> int:
        target = item[0] or ""
        return next((n for n, box in enumerate(order) if target == box or target.startswith(f"{box}-")), len(order))

    errors.items.sort(key=position)


def _filled_but_not_ticked(kind: RuleKind, fields: list[ParamField], errors: forms.FormErrors) -> None:
    """Without JavaScript (which ticks a rule as its figure is typed), a figure typed for a rule whose box was left
    unticked would be dropped without a word: say so at the figure instead, and keep it."""
    filled = next((param for param in fields if param.value), None)
    if filled is None:
        return
    if isinstance(filled.value, list):
        what = "organisation types" if filled.widget == "org_types" else "regions"
        did, undo = f"chose {what}", f"untick the {what}"
    else:
        what = WHAT.get((kind.key, filled.name), filled.label[:1].lower() + filled.label[1:]).split(",")[0]
        did, undo = f"filled in {what}", "empty the box"
    errors.add(
        filled.input_id,
        f"You {did} but did not tick “{kind.title}”. Tick “{kind.title}” to use this rule, or {undo} to leave it out.",
    )


def stored_rules(bid: schemas.Bid) -> dict[str, dict[str, Any]]:
    return {rule.key: dict(rule.params) for rule in bid.rules}


MAX_RULES_JSON = 100_000


def rules_json(bid: schemas.Bid) -> str:
    return json.dumps([{"key": r.key, **r.params} for r in bid.rules], indent=2)


class RulePages(PageController):
    @get("/bids/{bid_id:int}/rules", name="bid-rules")
    async def show(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        return await self._page(request, bid, blank_forms(stored_rules(bid)), rules_json(bid), forms.FormErrors())

    @post("/bids/{bid_id:int}/rules")
    async def save(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        errors = forms.FormErrors()
        chosen, shown = read_rules(await request.form(), errors, in_use=stored_rules(bid))
        try:
            if errors:  # the rules that could be read, checked in the same round
                bids.checked_rules(chosen)
            else:
                await bids.replace_rules(user, bid_id, chosen)
                return redirect(request, f"/bids/{bid_id}/rules", f"Rules saved: {len(chosen)} in use.")
        except ServiceError as error:
            errors.add_service_error(error, rule_field_ids(), default="rules-form")
        in_form_order(errors)
        return await self._page(request, bid, shown, rules_json(bid), errors, status_code=422)

    @post("/bids/{bid_id:int}/rules/json")
    async def save_json(self, request: PageRequest, user: CurrentUser, bid_id: FromPath[int]) -> Response[Any]:
        bid = await convenor_bid(user, bid_id)
        errors = forms.FormErrors()
        text = forms.raw(await request.form(), "rules_json")
        raw: Any = None
        if len(text) > MAX_RULES_JSON:  # a limit before any parsing: every rule set there is fits in a few KB
            errors.add("rules_json", f"The rules are {len(text):,} characters long; at most {MAX_RULES_JSON:,} fit.")
        else:
            try:
                raw = json.loads(text or "[]")
            except json.JSONDecodeError as error:
                errors.add("rules_json", f"That is not valid JSON: {error.msg} on line {error.lineno}.")
        if raw is not None and not (isinstance(raw, list) and all(isinstance(item, dict) for item in raw)):
            errors.add(
                "rules_json", 'The rules must be a JSON list of objects, like [{"key": "min_members", "count": 3}].'
            )
        if not errors:
            try:
                await bids.replace_rules(user, bid_id, raw)
            except ServiceError as error:
                errors.add_service_error(error, {"rules": "rules_json"}, default="rules_json")
            else:
                return redirect(request, f"/bids/{bid_id}/rules", "Rules saved from JSON.")
        return await self._page(
            request, bid, blank_forms(stored_rules(bid)), text, errors, status_code=422, open_json=True
        )

    async def _page(
        self,
        request: PageRequest,
        bid: schemas.Bid,
        rule_forms: list[RuleForm],
        json_text: str,
        errors: forms.FormErrors,
        *,
        status_code: int = 200,
        open_json: bool = False,
    ) -> Response[Any]:
        groups = [(scope, *SCOPE_TITLES[scope], [r for r in rule_forms if r.scope == scope]) for scope in SCOPE_TITLES]
        return await render(
            request,
            "convenor/rules.html",
            {
                "bid": bid,
                "groups": groups,
                "json_text": json_text,
                "errors": errors,
                "open_json": open_json,
                "tab": "rules",
            },
            status_code=status_code,
        )

    @get("/rule-preview/{key:str}", name="rule-preview")
    async def preview(self, request: PageRequest, user: CurrentUser, key: FromPath[str]) -> Response[Any]:
        """The rule in words, from the values typed so far (for HTMX, as the convenor types)."""
        kind = RULE_KINDS.get(key)
        if kind is None:
            raise NotFound("There is no such kind of rule.")
        errors = forms.FormErrors()
        raw, fields = read_rule(kind, request.query_params, errors)
        description, problems = None, [message for _, message in errors.items]
        if any(not param.value for param in fields):
            problems = []  # still being filled in: ask for the details, not "enter ..."
        elif not problems:
            try:
                description = kind.describe(parse_rules([raw])[0])
            except RuleError as error:
                problems = [in_words(problem) for problem in error.problems]
        return await render(
            request,
            "convenor/_rule_preview.html",
            {
                "description": description,
                "problems": problems,
                "enabled": forms.checked(request.query_params, f"rule-{key}"),
            },
            fragment=True,
        )
