"""nbval settings for the golden notebooks: ``pytest --nbval tests/notebooks``.

With ``--nbval`` this directory's defaults apply unless given on the command line: the
sanitizers in nbval_sanitize.cfg, the current environment's kernel, and the data mirror
(../shared/data beside the project) when REVIEWBUILD_MIRROR is unset. Figures (PNG) are
compared by perceptual hash, with a tolerance, on top of nbval's text comparison.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import nbval.plugin

from reviewbuild.notebooks.golden import IGNORE_TAG, image_differences

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def pytest_configure(config):
    if not getattr(config.option, "nbval", False):
        return
    if config.option.nbval_sanitize_with is None:
        config.option.nbval_sanitize_with = str(HERE / "nbval_sanitize.cfg")
    if not config.option.nbval_kernel_name:
        config.option.nbval_current_env = True
    mirror = ROOT.parent / "shared" / "data"
    if "REVIEWBUILD_MIRROR" not in os.environ and mirror.is_dir():
        os.environ["REVIEWBUILD_MIRROR"] = str(mirror)


_nbval_compare = nbval.plugin.IPyNbCell.compare_outputs


@functools.wraps(_nbval_compare)
def _compare_with_figures(self, test, ref, skip_compare=None):
    same = _nbval_compare(self, test, ref, skip_compare)
    if not same or IGNORE_TAG in self.cell.metadata.get("tags", []):
        return same
    problems = image_differences(ref, test)
    self.comparison_traceback.extend(problems)
    return not problems


nbval.plugin.IPyNbCell.compare_outputs = _compare_with_figures
