"""The model's objects survive the parse cache: pickled and back, equal, every field."""

from __future__ import annotations

import inspect
import pickle
from dataclasses import MISSING, FrozenInstanceError, fields, replace
from datetime import date, datetime

import pytest

from generator.archive.entry import PICKLE_PROTOCOL
from generator.model import Cable, Paragraph, Problem, Reference


def test_cable_pickles_by_its_fields() -> None:
    cable = Cable(
        id="09OTTAWA100",
        created=datetime(2009, 1, 2, 3, 4),
        released=date(2011, 8, 30),
        origin="Embassy Ottawa",
        tags=("PREL", "CA"),
        subject="A subject",
        references=(Reference("A", "08 OTTAWA 1", "08OTTAWA1"), Reference("", "a memo", None)),
        paragraphs=(Paragraph(1, "C", "Text."), Paragraph(None, None, "More.")),
        partial=True,
        created_inferred=True,
    )
    back = pickle.loads(pickle.dumps(cable, protocol=PICKLE_PROTOCOL))
    assert back == cable
    assert [getattr(back, f.name) for f in fields(Cable)] == [
        getattr(cable, f.name) for f in fields(Cable)
    ]
    assert type(back.references[0]) is Reference and type(back.paragraphs[0]) is Paragraph


def test_every_field_is_in_the_pickle() -> None:
    # __reduce__ walks __slots__: a field added to the class must be one of them.
    for cls in (Cable, Paragraph, Reference):
        assert cls.__slots__ == tuple(f.name for f in fields(cls))
    problem = Problem("a.txt", 3, "bad")
    assert pickle.loads(pickle.dumps(problem)) == problem


def test_each_class_is_made_as_its_dataclass_would_make_it() -> None:
    # model._stores_into_slots gives each class a faster __init__ of its own:
    # the same parameters, defaults and values, and still no change afterwards.
    for cls in (Cable, Paragraph, Reference):
        parameters = inspect.signature(cls.__init__).parameters
        assert [p for p in parameters if p != "self"] == [f.name for f in fields(cls)]
        for f in fields(cls):
            default = parameters[f.name].default
            assert default == (inspect.Parameter.empty if f.default is MISSING else f.default)
    cable = Cable("09OTTAWA100", subject="A subject", partial=True)
    assert (cable.id, cable.subject, cable.partial, cable.tags, cable.summary) == (
        "09OTTAWA100",
        "A subject",
        True,
        (),
        None,
    )
    assert replace(cable, subject="Other").subject == "Other"
    assert Paragraph(number=1, marking="C", text="x") == Paragraph(1, "C", "x")
    with pytest.raises(FrozenInstanceError):
        cable.subject = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Reference("A", "08 OTTAWA 1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Paragraph(1, "C", "x", "extra")  # type: ignore[call-arg]
    assert hash(Reference("A", "x", None)) == hash(Reference("A", "x", None))
