"""Results as data: what ``record`` writes is what myst-nb's glue writes, and ``records_of`` reads it back."""

from __future__ import annotations

import pytest

from gsdiff.notebooks import PREFIX, record, record_metrics, records_of, slug


@pytest.fixture
def displayed(monkeypatch) -> list:
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append((obj, kw)))
    return shown


def _as_notebook(shown: list) -> dict:
    outputs = [
        {"output_type": "display_data", "data": obj, "metadata": kw.get("metadata", {})} for obj, kw in shown
    ]
    return {"cells": [{"cell_type": "code", "outputs": outputs}, {"cell_type": "markdown"}]}


def test_record_writes_glue_outputs_that_records_of_reads_back(displayed) -> None:
    record("seconds", 12.5)
    record("targets.ugnn", {"p5": True, "mean": False})
    record("parameters", {"kinds": ["ugnn", "gnn"], "f_min": None})
    obj, kw = displayed[0]
    assert obj == {PREFIX + "text/plain": "12.5"} and kw["raw"] is True
    assert kw["metadata"] == {"scrapbook": {"name": "seconds", "mime_prefix": PREFIX}}
    assert records_of(_as_notebook(displayed)) == {
        "seconds": 12.5,
        "targets.ugnn": {"p5": True, "mean": False},
        "parameters": {"kinds": ["ugnn", "gnn"], "f_min": None},
    }


def test_record_metrics_names_each_policy_and_key(displayed) -> None:
    record_metrics("test", {"UGNN + dual time-sharing": {"p5": 0.7, "mean": 3.0, "jain": 0.5}})
    assert records_of(_as_notebook(displayed)) == {
        "test.ugnn_dual_time_sharing.p5": 0.7,
        "test.ugnn_dual_time_sharing.mean": 3.0,
    }


def test_record_refuses_a_name_glue_cannot_quote(displayed) -> None:
    with pytest.raises(ValueError, match="record names are letters"):
        record("p5 ratio", 1.0)


def test_slug() -> None:
    assert slug("UGNN + dual time-sharing") == "ugnn_dual_time_sharing"
    assert slug("full power") == "full_power"


def test_numpy_and_torch_scalars_are_recorded_as_python_numbers(displayed):
    # (the fixture, not stdout: where display prints depends on whether an IPython shell exists already)
    import numpy as np
    import torch

    record("a", np.float32(0.25))
    record("b", torch.tensor(3))
    assert [obj[PREFIX + "text/plain"] for obj, _ in displayed] == ["0.25", "3"]
    assert records_of(_as_notebook(displayed)) == {"a": 0.25, "b": 3}
