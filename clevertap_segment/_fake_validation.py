"""CleverTap's rules for uploads and deletions, as mimicked by :class:`~.testing.FakeCleverTap`.

Pure functions, no HTTP: :func:`answer_upload` and :func:`answer_delete` turn a parsed request
body into the status and JSON payload CleverTap would answer; :func:`check_record` checks one
uploaded record and returns ``None`` or ``(code, text)`` with the per-record error code CleverTap
documents (developer.clevertap.com, "API Errors"). The record checks run once per uploaded record,
so they stay plain dict code: no copies, one regular-expression search per property map.

Choices for what CleverTap does not document (change them here, in one place):

- Prohibited characters in an event name or an event property key, a malformed ``"$D_"`` date in
  event data, a non-object ``evtData``: **512** ("Invalid event structure").
- Anything wrong with ``profileData`` that has no code of its own (a missing or non-object
  ``profileData``, a prohibited character in a key, a list, an object that is not one multi-value
  or counter operation, a malformed ``"$D_"`` date): **555** ("Miscellaneous").
- Both ``identity`` and ``objectId`` at the top level of a profile or event: **523**, since
  CleverTap wants exactly one user identifier (the proven pattern puts ``identity`` inside
  ``profileData``).
  ``RecordRules.allow_both_identifiers`` turns this off.
- A token record's ``objectId`` missing, empty or not a string: **530** (the token API's "Invalid
  objectId"); its ``identity``, if any, is ignored.
- Key length (120) and string length (512) limits are not enforced: CleverTap truncates.
- A rejected record's ``error`` is the message followed directly by ``Skipped record number : K``
  (K 1-based), with no space after the message's full stop, as in recorded CleverTap answers.
- An upload with an empty ``d`` succeeds with nothing processed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Optional

import attrs

RecordError = tuple[int, str]
"""A rejected record: CleverTap's per-record error code and its message (without the position)."""

RECORD_TYPES = frozenset({"profile", "event", "token"})

TOKEN_TYPES = frozenset({"fcm", "gcm", "apns", "wns", "mpns", "chrome"})

# The documented list and the SDKs' additions. "Web Page Viewed" was seen rejected once in a
# production capture (UNCONFIRMED whether always) but is not documented, and it is the page event
# name our translation sends by default; pass restricted_event_names to simulate that account.
DEFAULT_RESTRICTED_EVENT_NAMES: tuple[str, ...] = (
    "Notification Sent",
    "Notification Viewed",
    "Notification Clicked",
    "Notification Delivered",
    "Notification Replied",
    "UTM Visited",
    "App Launched",
    "App Uninstalled",
    "App Version Changed",
    "Stayed",
    "Reply Sent",
    "Experiment Rendered",
    "Reachable By",
    "Identity Reset",
    "Identity Set",
    "Identity Error",
    "wzrk_d",
    "Notification Bounced",
    "Geocluster Entered",
    "Geocluster Exited",
    "SCOutgoing",
    "SCIncoming",
    "SCEnd",
    "SCCampaignOptOut",
)

_EVENT_KEY_PROHIBITED = re.compile(r"[%><!|&.:;$'\"\\]")
_PROFILE_KEY_PROHIBITED = re.compile(r"[%><!|&.:;$'\"\\#]")
# Joins keys so that one regex search covers a whole property map; NUL never needs checking.
_KEY_JOINER = "\x00"
_DATE = re.compile(r"\$D_-?[0-9]+")
_DATE_PREFIX = "$D_"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]+")
_MULTI_VALUE_OPS = frozenset({"$set", "$add", "$remove"})
_COUNTER_OPS = frozenset({"$incr", "$decr"})
# Seconds since the epoch stay below 10**11 until the year 5138; a millisecond value is above it.
_MAX_EPOCH_SECONDS = 10**11
_CHARGED = "charged"
_ITEMS = "Items"
_PROFILE_PREFIX = "Profile data is incorrect. "
MAX_DELETE_VALUES = 100


def event_name_key(name: str) -> str:
    """The form in which CleverTap compares event names: case-insensitive, spaces ignored.

    >>> event_name_key("App  launched")
    'applaunched'
    """
    return "".join(name.split()).casefold()


@attrs.frozen(kw_only=True)
class RecordRules:
    """What the fake checks records against.

    Attributes:
        max_event_properties: Most properties one event may carry (else 522).
        allow_both_identifiers: Accept a top-level ``identity`` and ``objectId`` together.
        restricted_event_names: Event names rejected with 513, as :func:`event_name_key` forms.
        discarded_event_names: Event names rejected with 528, as :func:`event_name_key` forms.
    """

    max_event_properties: int = 100
    allow_both_identifiers: bool = False
    restricted_event_names: frozenset[str] = attrs.field(
        factory=lambda: frozenset(map(event_name_key, DEFAULT_RESTRICTED_EVENT_NAMES))
    )
    discarded_event_names: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        max_event_properties: int = 100,
        allow_both_identifiers: bool = False,
        restricted_event_names: Optional[Iterable[str]] = None,
        discarded_event_names: Iterable[str] = (),
    ) -> RecordRules:
        """Rules from event names as people write them (``None``: the default restricted list)."""
        restricted = (
            DEFAULT_RESTRICTED_EVENT_NAMES
            if restricted_event_names is None
            else tuple(restricted_event_names)
        )
        return cls(
            max_event_properties=max_event_properties,
            allow_both_identifiers=allow_both_identifiers,
            restricted_event_names=frozenset(map(event_name_key, restricted)),
            discarded_event_names=frozenset(map(event_name_key, discarded_event_names)),
        )


def is_token_record(record: Any) -> bool:
    """True for a record of type ``token`` (these have their own per-request limit)."""
    return isinstance(record, dict) and record.get("type") == "token"


@attrs.frozen
class Verdict:
    """What CleverTap answers to one request, and what it would keep.

    Attributes:
        status: The HTTP status.
        payload: The JSON body.
        accepted: The records stored (uploads).
        deleted: The deletion request carried out (deletions).
    """

    status: int
    payload: dict[str, Any]
    accepted: Sequence[Any] = ()
    deleted: Optional[dict[str, Any]] = None


def failure(status: int, error: str) -> Verdict:
    """A request-level failure in CleverTap's form: ``{"status": "fail", "error", "code"}``."""
    return Verdict(status, {"status": "fail", "error": error, "code": status})


def answer_upload(
    body: Any, *, max_records: int, max_token_records: int, rules: Optional[RecordRules]
) -> Verdict:
    """CleverTap's answer to an upload body.

    Args:
        body: The request body parsed from JSON.
        max_records: Most records one request may carry (else HTTP 400).
        max_token_records: Most token records one request may carry (else HTTP 400).
        rules: The record rules, or ``None`` to accept every record unchecked.

    Returns:
        HTTP 400 for a malformed body or one over a limit; else HTTP 200 with ``status``
        ``success``, ``partial`` or ``fail``, ``processed`` and ``unprocessed``.
    """
    if not isinstance(body, dict) or not isinstance(body.get("d"), list):
        return failure(400, 'Request body must be a JSON object with a "d" array')
    records: list[Any] = body["d"]
    if len(records) > max_records:
        return failure(400, f"Too many records: {len(records)} > {max_records} per request")
    token_count = sum(1 for record in records if is_token_record(record))
    if token_count > max_token_records:
        return failure(
            400, f"Too many token records: {token_count} > {max_token_records} per request"
        )
    accepted: list[Any]
    unprocessed: list[dict[str, Any]]
    if rules is None:
        accepted, unprocessed = records, []
    else:
        accepted, unprocessed = _sort_records(records, rules)
    if not unprocessed:
        status = "success"
    elif accepted:
        status = "partial"
    else:
        status = "fail"
    payload = {"status": status, "processed": len(accepted), "unprocessed": unprocessed}
    return Verdict(200, payload, accepted=accepted)


def _sort_records(records: list[Any], rules: RecordRules) -> tuple[list[Any], list[dict[str, Any]]]:
    accepted: list[Any] = []
    unprocessed: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        error = check_record(record, rules)
        if error is None:
            accepted.append(record)
            continue
        code, text = error
        unprocessed.append(
            {
                "status": "fail",
                "code": code,
                # CleverTap glues the position straight after the message's full stop.
                "error": f"{text}Skipped record number : {number}",
                "record": normalise_for_echo(record),
            }
        )
    return accepted, unprocessed


def answer_delete(body: Any) -> Verdict:
    """CleverTap's answer to a deletion body, ``{"identity": [...]}`` or ``{"guid": [...]}``.

    Exactly one of the two keys, holding 1 to 100 non-empty strings; anything else is HTTP 400.
    """
    if not isinstance(body, dict):
        return failure(400, 'Request body must be a JSON object with "identity" or "guid"')
    present = [key for key in ("identity", "guid") if key in body]
    if len(present) != 1:
        return failure(400, 'Give exactly one of "identity" and "guid"')
    key = present[0]
    values = body[key]
    if not isinstance(values, list) or not values or not all(map(_is_non_empty_string, values)):
        return failure(400, f'"{key}" must be a non-empty list of non-empty strings')
    if len(values) > MAX_DELETE_VALUES:
        return failure(400, f"Too many values: {len(values)} > {MAX_DELETE_VALUES} per request")
    return Verdict(200, {"status": "success"}, deleted=body)


def check_record(record: Any, rules: RecordRules) -> Optional[RecordError]:
    """Check one uploaded record as CleverTap would.

    Args:
        record: One element of the request's ``d`` array, as parsed from JSON.
        rules: The limits and name lists in force.

    Returns:
        ``None`` when CleverTap would store the record, else ``(code, message)``.
    """
    if not isinstance(record, dict):
        return 524, "Record is not an object."
    record_type = record.get("type")
    if record_type not in RECORD_TYPES:
        return 524, "Data is neither event, profile nor token."
    if record_type == "token":
        error = _check_token_identity(record)
    else:
        error = _check_identity(record, rules)
    if error is None:
        error = _check_timestamp(record)
    if error is not None:
        return error
    if record_type == "event":
        return _check_event(record, rules)
    if record_type == "profile":
        return _check_profile(record)
    return _check_token(record)


def _check_identity(record: dict[str, Any], rules: RecordRules) -> Optional[RecordError]:
    has_identity = "identity" in record
    has_object_id = "objectId" in record
    if not has_identity and not has_object_id:
        return 523, "Missing identity."
    if has_identity and has_object_id and not rules.allow_both_identifiers:
        return 523, "Both identity and objectId are given: send exactly one."
    if has_identity and not _is_non_empty_string(record["identity"]):
        return 523, "Identity is not a non-empty string."
    if has_object_id and not _is_non_empty_string(record["objectId"]):
        return 526, "objectId is invalid."
    return None


def _check_token_identity(record: dict[str, Any]) -> Optional[RecordError]:
    if not _is_non_empty_string(record.get("objectId")):
        return 530, "Invalid objectId: token records need an objectId."
    return None


def _check_timestamp(record: dict[str, Any]) -> Optional[RecordError]:
    if "ts" not in record:
        return None
    ts = record["ts"]
    # bool is an int subclass, and JSON true must not pass for an epoch.
    if type(ts) is not int or not 0 < ts < _MAX_EPOCH_SECONDS:
        return 525, "Timestamp is not in UNIX epoch format (seconds)."
    return None


def _check_event(record: dict[str, Any], rules: RecordRules) -> Optional[RecordError]:
    name = record.get("evtName")
    if not isinstance(name, str) or not name.strip():
        return 509, "Event name is mandatory."
    if _EVENT_KEY_PROHIBITED.search(name):
        return 512, f"Event name {name!r} has a prohibited character."
    name_key = event_name_key(name)
    if name_key in rules.restricted_event_names:
        return 513, f"Raised a restricted system event: {name}."
    if name_key in rules.discarded_event_names:
        return 528, f"Discarded event is raised: {name}."
    if "evtData" not in record:
        return None
    data = record["evtData"]
    if not isinstance(data, dict):
        return 512, "Invalid event structure: evtData is not an object."
    if len(data) > rules.max_event_properties:
        return 522, (
            f"Event properties limit exceeded: {len(data)} > {rules.max_event_properties}."
        )
    bad_key = _find_prohibited_key(data, _EVENT_KEY_PROHIBITED)
    if bad_key is not None:
        return 512, f"Event property key {bad_key!r} has a prohibited character."
    is_charged = name_key == _CHARGED
    for key, value in data.items():
        if isinstance(value, (dict, list)):
            if key == _ITEMS and is_charged and _is_flat_items(value):
                continue
            return 512, f"Only Items can have a nested structure: {key!r}."
        if isinstance(value, str) and value.startswith(_DATE_PREFIX) and not _DATE.fullmatch(value):
            return 512, f"Invalid event structure: {key!r} is not a valid $D_ date."
    return None


def _is_flat_items(items: Any) -> bool:
    if not isinstance(items, list):
        return False
    for item in items:
        if not isinstance(item, dict):
            return False
        if _find_prohibited_key(item, _EVENT_KEY_PROHIBITED) is not None:
            return False
        if any(isinstance(value, (dict, list)) for value in item.values()):
            return False
    return True


def _check_profile(record: dict[str, Any]) -> Optional[RecordError]:
    data = record.get("profileData")
    if not isinstance(data, dict):
        return 555, _PROFILE_PREFIX + "profileData is missing or not an object."
    bad_key = _find_prohibited_key(data, _PROFILE_KEY_PROHIBITED)
    if bad_key is not None:
        return 555, _PROFILE_PREFIX + f"Key {bad_key!r} has a prohibited character."
    for key, value in data.items():
        error = _check_profile_value(key, value)
        if error is not None:
            return error
    return _check_reserved_profile_keys(data)


def _check_profile_value(key: str, value: Any) -> Optional[RecordError]:
    if isinstance(value, dict):
        if _is_profile_operation(value):
            return None
        return 555, _PROFILE_PREFIX + (
            f"{key!r} is an object that is not one of $set, $add, $remove (a list of strings)"
            " or $incr, $decr (a number)."
        )
    if isinstance(value, list):
        return 555, _PROFILE_PREFIX + f"{key!r} is a list: multi-value properties need $set."
    if isinstance(value, str) and value.startswith(_DATE_PREFIX) and not _DATE.fullmatch(value):
        return 555, _PROFILE_PREFIX + f"{key!r} is not a valid $D_ date."
    return None


def _is_profile_operation(value: dict[str, Any]) -> bool:
    if len(value) != 1:
        return False
    ((operation, operand),) = value.items()
    if operation in _MULTI_VALUE_OPS:
        return isinstance(operand, list) and all(isinstance(item, str) for item in operand)
    if operation in _COUNTER_OPS:
        return _is_number(operand)
    return False


def _check_reserved_profile_keys(data: dict[str, Any]) -> Optional[RecordError]:
    # Only keys present are checked, so the common profile without them costs a few lookups.
    if "Gender" in data and data["Gender"] not in ("M", "F"):
        return 514, _PROFILE_PREFIX + "Gender is not valid."
    if "Email" in data and not (isinstance(data["Email"], str) and _EMAIL.fullmatch(data["Email"])):
        return 515, _PROFILE_PREFIX + "Email is not valid."
    if "Phone" in data and not (isinstance(data["Phone"], str) and _PHONE.fullmatch(data["Phone"])):
        return 516, _PROFILE_PREFIX + "Phone is not valid."
    if "Employed" in data and data["Employed"] not in ("Y", "N"):
        return 517, _PROFILE_PREFIX + "Employed is not valid."
    if "Education" in data and data["Education"] not in ("School", "College", "Graduate"):
        return 518, _PROFILE_PREFIX + "Education is not valid."
    if "Married" in data and data["Married"] not in ("Y", "N"):
        return 519, _PROFILE_PREFIX + "Married is not valid."
    if "Age" in data and not _is_number(data["Age"]):
        return 520, _PROFILE_PREFIX + "Age is not valid."
    return None


def _check_token(record: dict[str, Any]) -> Optional[RecordError]:
    token = record.get("tokenData")
    if not isinstance(token, dict):
        return 531, "Invalid token data: tokenData is missing or not an object."
    if not _is_non_empty_string(token.get("id")):
        return 532, "Token 'id' is not present."
    push_type = token.get("type")
    if push_type is None or push_type == "":
        return 533, "Token 'type' is not present."
    if push_type not in TOKEN_TYPES:
        return 534, f"Token 'type' is not valid: {push_type!r}."
    if push_type == "chrome":
        keys = token.get("keys")
        if not (
            isinstance(keys, dict)
            and _is_non_empty_string(keys.get("p256dh"))
            and _is_non_empty_string(keys.get("auth"))
        ):
            return 535, "Invalid token data: chrome tokens need keys p256dh and auth."
    return None


def _find_prohibited_key(data: dict[str, Any], prohibited: re.Pattern[str]) -> Optional[str]:
    # One search over all keys joined: property maps are checked once per record, and most
    # records are clean, so the per-key loop only runs to name the culprit.
    if not data:
        return None
    if prohibited.search(_KEY_JOINER.join(data)) is None and "" not in data:
        return None
    for key in data:
        if not key or prohibited.search(key):
            return key
    return None  # pragma: no cover - the joined search above found one


def _is_non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalise_for_echo(record: Any) -> Any:
    """The record as CleverTap echoes it in ``unprocessed``: numbers in the data become strings.

    Only used for rejected records, so the shallow copies cost nothing on the happy path.
    """
    if not isinstance(record, dict):
        return record
    echoed = dict(record)
    for data_key in ("evtData", "profileData"):
        data = echoed.get(data_key)
        if isinstance(data, dict):
            echoed[data_key] = {key: _stringify_number(value) for key, value in data.items()}
    return echoed


def _stringify_number(value: Any) -> Any:
    if _is_number(value):
        return str(value)
    return value
