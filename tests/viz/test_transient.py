"""The transient's figure and table: a panel per size, a trace per candidate, f_min drawn, rows as given."""

import torch

from gsdiff.config import EXPERT_ONLINE, policy_candidate
from gsdiff.evaluation import Transient
from gsdiff.viz import transient_figure, transient_table


def _transient(n: int) -> Transient:
    ugnn = policy_candidate("ugnn")
    p5 = {EXPERT_ONLINE: torch.tensor([0.0, 0.3, 0.7]), ugnn: torch.tensor([0.5, 0.6, 0.65])}
    mean = {EXPERT_ONLINE: torch.tensor([3.0, 3.5, 4.0]), ugnn: torch.tensor([3.9, 3.9, 3.95])}
    return Transient(0.6, n, 2, p5, mean, {EXPERT_ONLINE: 3, ugnn: None}, {EXPERT_ONLINE: 0.9, ugnn: 0.1})


def test_transient_figure_and_table():
    fig = transient_figure([_transient(20), _transient(400)])
    assert [trace.name for trace in fig.data] == ["expert run online from a cold start", "U-GNN"] * 2
    assert list(fig.data[1].y) == [0.5, 0.6, 0.65] and list(fig.data[0].x) == [1, 2, 3]
    assert [shape.y0 for shape in fig.layout.shapes] == [0.6, 0.6]
    table = transient_table([_transient(20)])
    assert "| 20 | expert run online from a cold start | 3 | 0.9 | 4.000 |" in table
    assert "| 20 | U-GNN | never | 0.1 | 3.950 |" in table
