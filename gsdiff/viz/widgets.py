"""ipywidgets panels for live kernels (Jupyter, Colab). The static book uses plotly sliders instead."""

from __future__ import annotations

import ipywidgets as widgets
import torch

from ..config import RadioConfig
from ..wireless.two_user import rate_region
from .two_user import rate_region_figure

__all__ = ["show_in", "two_user_panel"]


def show_in(out: widgets.Output, obj: object) -> None:
    """Replace what ``out`` shows with ``obj``, by setting the widget's outputs directly.

    Not ``with out: clear_output(wait=True); display(obj)``: that routes the display through the kernel's
    output capture, and a client without a front end (nbclient, papermill) then never sees the cell's idle
    message and waits for it until its timeout (forever under papermill's default of none).

    An object with a MIME bundle of its own (a plotly figure) is shown by that bundle, not through
    ``append_display_data``: IPython's formatter first calls the figure's ``_ipython_display_``, which shows
    it in the running cell's output and leaves ``out`` an empty bundle (a blank panel, and redraws lost).
    """
    make_bundle = getattr(obj, "_repr_mimebundle_", None)
    if make_bundle is None:
        out.outputs = ()
        out.append_display_data(obj)
        return
    bundle = make_bundle()
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    out.outputs = ({"output_type": "display_data", "data": data, "metadata": metadata},)


def two_user_panel(radio: RadioConfig, *, num_levels: int = 31) -> widgets.VBox:
    """Sliders for the direct gain, the cross gain and f_min of the two-user example, and its rate region."""
    direct_db = widgets.FloatSlider(value=-75.0, min=-110.0, max=-50.0, step=1.0, description="direct (dB)")
    cross_db = widgets.FloatSlider(value=0.0, min=-40.0, max=10.0, step=1.0, description="cross/direct (dB)")
    f_min = widgets.FloatSlider(value=0.6, min=0.0, max=6.0, step=0.1, description="f_min (b/s/Hz)")
    out = widgets.Output()

    def redraw(_: object = None) -> None:
        direct = 10 ** (direct_db.value / 10)
        cross = direct * 10 ** (cross_db.value / 10)
        gains = torch.tensor([[direct, cross], [cross, direct]], dtype=torch.float64)
        region = rate_region(gains, radio, num_levels=num_levels)
        show_in(out, rate_region_figure({f"{cross_db.value:+g} dB": region}, f_min.value))

    for slider in (direct_db, cross_db, f_min):
        slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([direct_db, cross_db, f_min]), out])
