"""Declarative codecs: a frozen dataclass names each field once; its JSON form follows. Pure.

A wire, record or body type subclasses JsonCodec and declares its fields with their Python
types. The type says how the field reads and writes (ADR 0011):
- int, str, bool, Hash32, PublicKey, an enum, a nested JsonCodec, `X | None`, `tuple[X, ...]`
  and JsonObject each have one default rule (integers are >= 0 and < 2**53, bytes are
  lowercase hex, None is JSON null);
- `Annotated[T, Wire(read, write)]` replaces the rule for one field, with the strict readers
  of protocol/fields.py and contracts/body_fields.py (so each malformed input keeps its typed
  error); `Annotated[T, WireName("x")]` gives the field another name on the wire.

from_json checks the object's keys first (a missing field before an unknown one, as
expect_object does), then reads the fields in declaration order, then calls `check()` for the
rules that span fields. to_json writes every field; its bytes are fixed by protocol/encoding.py
(RFC 8785), which sorts the keys, so the declaration order never reaches a hash or signature.
"""

import enum
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin

from protocol.encoding import JsonObject, JsonValue, encode
from protocol.errors import FieldTypeError
from protocol.fields import (
    expect_object,
    parse_hex,
    read_bool,
    read_int,
    read_list,
    read_object,
    read_str,
)
from protocol.hashing import HASH_SIZE, Hash32
from protocol.signing import PUBLIC_KEY_SIZE, PublicKey

Reader = Callable[[Mapping[str, Any], str], Any]
Writer = Callable[[Any], JsonValue]


def _hex(value: bytes) -> JsonValue:
    return value.hex()


@dataclass(frozen=True, slots=True)
class Wire:
    """How one field reads from a decoded object and writes back: read(obj, name), write(v).

    write None: the value is already its JSON form (int, str, bool, JsonObject).
    """

    read: Reader
    write: Writer | None = None
    read_item: Callable[[Any, str], Any] | None = None
    """How an item of a list of these reads (items()), when it can skip the one-key object
    read builds around each item; the same value or error as read({name: item}, name)."""


@dataclass(frozen=True, slots=True)
class WireName:
    """The field's key on the wire, where it differs from the attribute name."""

    name: str


def integer(*, minimum: int = 0, maximum: int | None = None) -> Wire:
    """An integer in minimum..maximum (and always below 2**53)."""

    def read(obj: Mapping[str, Any], name: str) -> int:
        value = read_int(obj, name, minimum=minimum)
        if maximum is not None and value > maximum:
            raise FieldTypeError(f"{name}: {value} > {maximum}")
        return value

    return Wire(read)


def string(*, max_length: int = 4096) -> Wire:
    return Wire(lambda obj, name: read_str(obj, name, max_length=max_length))


def hex_bytes(size: int | None = None) -> Wire:
    """Bytes as lowercase hex, of exactly size bytes when size is given."""
    return Wire(lambda obj, name: parse_hex(obj[name], name, size=size), _hex)


def optional(wire: Wire) -> Wire:
    """The same field, or JSON null for None."""

    def read(obj: Mapping[str, Any], name: str) -> Any:
        return None if obj[name] is None else wire.read(obj, name)

    write = wire.write
    if write is None:
        return Wire(read)
    return Wire(read, lambda value: None if value is None else write(value))


def items(wire: Wire, *, max_items: int = 100_000) -> Wire:
    """A JSON array read into a tuple, each item by wire (errors name the field)."""

    read_item = wire.read_item or (lambda item, name: wire.read({name: item}, name))

    def read(obj: Mapping[str, Any], name: str) -> tuple[Any, ...]:
        return tuple([read_item(item, name) for item in read_list(obj, name, max_items=max_items)])

    write = wire.write
    if write is None:
        return Wire(read, list)
    return Wire(read, lambda values: [write(value) for value in values])


def codec_wire(cls: type["JsonCodec"]) -> Wire:
    """A nested object read by cls.from_json."""

    def read(obj: Mapping[str, Any], name: str) -> "JsonCodec":
        return cls.from_json(read_object(obj, name))

    def read_item(item: object, name: str) -> "JsonCodec":
        # read_object returns an object as it is and names the field for anything else.
        if isinstance(item, dict):
            return cls.from_json(item)
        # An item that already is a cls was parsed by this codec before (a block's txs a
        # validator holds, protocol/block.py parse_block): decoded JSON never holds one.
        if type(item) is cls:
            return item
        return read({name: item}, name)

    return Wire(read, lambda v: v.to_json(), read_item)


def enum_wire(cls: type[enum.Enum]) -> Wire:
    """An enum by its string value; a value outside the enum is a FieldTypeError."""

    def read(obj: Mapping[str, Any], name: str) -> enum.Enum:
        value = read_str(obj, name, max_length=64)
        try:
            return cls(value)
        except ValueError:
            raise FieldTypeError(f"{name}: {value!r} is not a {cls.__name__}") from None

    return Wire(read, lambda member: member.value)


INT: typing.Final = Wire(read_int)
STR: typing.Final = Wire(read_str)
BOOL: typing.Final = Wire(read_bool)
OBJECT: typing.Final = Wire(read_object)
HASH: typing.Final = hex_bytes(HASH_SIZE)
PUBLIC_KEY: typing.Final = hex_bytes(PUBLIC_KEY_SIZE)
_DEFAULTS: dict[object, Wire] = {
    int: INT,
    str: STR,
    bool: BOOL,
    Hash32: HASH,
    PublicKey: PUBLIC_KEY,
}


def wire_for(hint: Any) -> Wire:
    """The rule for a field of type hint (see the module docstring)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        found = [meta for meta in hint.__metadata__ if isinstance(meta, Wire)]
        return found[0] if found else wire_for(args[0])
    if hint in _DEFAULTS:
        return _DEFAULTS[hint]
    if origin is dict:
        return OBJECT
    if origin in (Union, types.UnionType) and type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return optional(wire_for(inner))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return items(wire_for(args[0]))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return enum_wire(hint)
    if isinstance(hint, type) and issubclass(hint, JsonCodec):
        return codec_wire(hint)
    raise TypeError(f"no wire rule for {hint!r}")


def _wire_name(attribute: str, hint: Any) -> str:
    if get_origin(hint) is Annotated:
        for meta in hint.__metadata__:
            if isinstance(meta, WireName):
                return meta.name
    return attribute


@dataclass(frozen=True, slots=True)
class _Plan:
    """A type's fields as (attribute, wire name, rule), in declaration order, and its tag."""

    fields: tuple[tuple[str, str, Wire], ...]
    names: tuple[str, ...]
    tag: tuple[str, str] | None
    reads: tuple[tuple[str, str, Reader], ...]
    writes: tuple[tuple[str, str, Writer | None], ...]
    name_set: frozenset[str]
    """The keys a well-formed object has exactly (the fast path skips expect_object)."""


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        # JsonValue names itself in quotes; resolve it wherever a type holds a JsonObject.
        hints = typing.get_type_hints(cls, localns={"JsonValue": JsonValue}, include_extras=True)
        entries = tuple(
            (f.name, _wire_name(f.name, hints[f.name]), wire_for(hints[f.name]))
            for f in fields(cls)
            if f.init
        )
        tag = getattr(cls, "json_tag", None)
        names = tuple(name for _, name, _ in entries)
        names = names if tag is None else (tag[0], *names)
        plan = _Plan(
            fields=entries,
            names=names,
            tag=tag,
            reads=tuple((attr, name, wire.read) for attr, name, wire in entries),
            writes=tuple((attr, name, wire.write) for attr, name, wire in entries),
            name_set=frozenset(names),
        )
        _PLANS[cls] = plan
    return plan


class JsonCodec:
    """Base of every frozen dataclass with a JSON form: to_json and from_json, written once.

    Subclass as `class Vote(JsonCodec, what="vote")`; a member of a tagged union adds
    `tag=("kind", "commit")`.
    """

    __slots__ = ()
    json_what: ClassVar[str] = "object"
    """What error messages call an object of this type ("body", "vote", ...)."""
    json_tag: ClassVar[tuple[str, str] | None] = None
    """(key, value) of a member of a tagged union, e.g. ("kind", "commit"): written first,
    required and checked on reading (decode_tagged picks the type by it)."""

    def __init_subclass__(
        cls, what: str | None = None, tag: tuple[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        # dataclass(slots=True) builds the class again without these arguments: keep what
        # the first build set (it is in the copied class dict).
        if what is not None:
            cls.json_what = what
        if tag is not None:
            cls.json_tag = tag

    def to_json(self) -> JsonObject:
        plan = _plan(type(self))
        out: JsonObject = {} if plan.tag is None else {plan.tag[0]: plan.tag[1]}
        for attr, name, write in plan.writes:
            value = getattr(self, attr)
            out[name] = value if write is None else write(value)
        return out

    @classmethod
    def from_json(cls, value: object) -> Self:
        plan = _plan(cls)
        if isinstance(value, dict) and value.keys() == plan.name_set:
            obj = value
        else:
            obj = expect_object(value, cls.json_what, plan.names)
        if plan.tag is not None and obj[plan.tag[0]] != plan.tag[1]:
            raise FieldTypeError(f"{cls.json_what}: {plan.tag[0]} is not {plan.tag[1]!r}")
        item = cls(**{attr: read(obj, name) for attr, name, read in plan.reads})
        item.check()
        return item

    def check(self) -> None:
        """Rules that span fields (e.g. period_end >= period_start); raise a SchemaError."""


class CachedJsonCodec(JsonCodec):
    """A JsonCodec whose canonical bytes are encoded once, on first use, and kept.

    For frozen types whose bytes are asked for again and again (a header's block_hash, a
    result's leaf at execution and at commit, a vote's sign bytes). The cache is a slot
    outside the dataclass fields, so equality, replace() and the JSON form ignore it.
    """

    __slots__ = ("_canonical_bytes",)
    _canonical_bytes: bytes

    def canonical_bytes(self) -> bytes:
        """JCS(self): protocol/encoding.py's bytes of to_json()."""
        try:
            return self._canonical_bytes
        except AttributeError:
            data = encode(self.to_json())
            object.__setattr__(self, "_canonical_bytes", data)
            return data


_C = typing.TypeVar("_C", bound=JsonCodec)


def copy_fields(cls: type[_C], source: object, **given: Any) -> _C:
    """A cls whose fields are the given values, or else source's attributes of the same names.

    For a type that restates another's fields (a record built from its tx body, a record
    from its wire form): the shared fields are named once, by cls's declaration, and a field
    source lacks fails at once (AttributeError) unless it is given.
    """
    names = (attr for attr, _, _ in _plan(cls).fields if attr not in given)
    values = {attr: getattr(source, attr) for attr in names}
    return cls(**values, **given)


def field_names(cls: type[JsonCodec]) -> tuple[str, ...]:
    """The wire names of cls's fields, in declaration order (CSV columns, docs)."""
    return _plan(cls).names


@dataclass(frozen=True, slots=True)
class WireField:
    """One field as the wire carries it (a CLI filling a body in needs no other rules)."""

    name: str
    nullable: bool
    """May be JSON null (`X | None`)."""
    string: bool
    """Its value is a JSON string: text, or bytes as lowercase hex (a Hash32, a PublicKey)."""


def wire_fields(cls: type[JsonCodec]) -> tuple[WireField, ...]:
    """cls's fields by wire name, in declaration order, with the JSON shape the rules give."""
    hints = typing.get_type_hints(cls, localns={"JsonValue": JsonValue}, include_extras=True)
    return tuple(_wire_field(name, hints[attr]) for attr, name, _ in _plan(cls).fields)


def _wire_field(name: str, hint: Any) -> WireField:
    value = _without_annotations(hint)
    args = get_args(value)
    nullable = get_origin(value) in (Union, types.UnionType) and type(None) in args
    if nullable:
        (value,) = [arg for arg in args if arg is not type(None)]
    # str is written as itself; bytes types are written by the hex rule (HASH, PUBLIC_KEY,
    # hex_bytes(n) as an annotation: a salt); the annotation names the rule, so keep it.
    rule = wire_for(value if nullable else hint)
    string = _without_annotations(value) is str or rule.write is _hex
    return WireField(name=name, nullable=nullable, string=string)


def _without_annotations(hint: Any) -> Any:
    return get_args(hint)[0] if get_origin(hint) is Annotated else hint


_T = typing.TypeVar("_T", bound=JsonCodec)


def decode_tagged(value: object, what: str, key: str, members: Mapping[str, type[_T]]) -> _T:
    """Decode a member of a tagged union: the string at key selects the type."""
    if not isinstance(value, dict):
        raise FieldTypeError(f"{what}: expected an object")
    tag = read_str(value, key) if key in value else None
    member = members.get(tag) if tag is not None else None
    if member is None:
        raise FieldTypeError(f"{what}: unknown {key} {tag!r}")
    return member.from_json(value)


def tag_table(*members: type[_T]) -> dict[str, type[_T]]:
    """{tag value: type} for decode_tagged, from each member's json_tag."""
    return {m.json_tag[1]: m for m in members if m.json_tag is not None}
