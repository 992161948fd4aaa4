"""The book's chapters as notebooks anyone can run: one opening and closing for every chapter
(``open_chapter``: parameters checked and recorded, the profile, the dataset, the policies), recorded
results (``record``, read back by ``records_of``), papermill parameters checked before any work
(``chapter_parameters``), output-free shipped notebooks with a Colab install cell (``chapters/``,
``to_notebook``) and parameter sweeps (``run_sweep``). Presentation tooling: nothing below it in gsdiff
imports it."""

from .chapter import Chapter, open_chapter
from .convert import INSTALL_TAG, install_code, package_source, to_notebook
from .parameters import MARKER, chapter_parameters, check_names, check_value, declared_parameters
from .records import PREFIX, record, record_metrics, records_of, slug
from .sweep import CHAPTERS_DIR, chapter_notebook, grid, notebook_parameters, run_sweep, write_results

__all__ = [
    "Chapter",
    "open_chapter",
    "INSTALL_TAG",
    "install_code",
    "package_source",
    "to_notebook",
    "MARKER",
    "chapter_parameters",
    "check_names",
    "check_value",
    "declared_parameters",
    "PREFIX",
    "record",
    "record_metrics",
    "records_of",
    "slug",
    "CHAPTERS_DIR",
    "chapter_notebook",
    "grid",
    "notebook_parameters",
    "run_sweep",
    "write_results",
]
