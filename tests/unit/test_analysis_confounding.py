"""The PDAC confounding check and the LIHC redacted-patient sensitivity analysis (real data)."""

from __future__ import annotations

import math

import pytest
from statsmodels.duration.hazard_regression import PHReg

from xpo1review.analysis import confounding as cf


def test_adjusted_hr_matches_statsmodels(mirror):
    frame = cf.pdac_frame()
    adj = cf.adjusted_median_split(frame)
    data = frame.assign(high=(frame["xpo1"] > frame["xpo1"].median()).astype(float))
    exog = data[["high", *cf.ADJUSTED_FOR]].astype(float)
    fit = PHReg(data["time"], exog, status=data["event"], ties="efron").fit(
        method="newton", gtol=1e-14, maxiter=200)
    assert math.log(adj.hr) == pytest.approx(float(fit.params[0]), rel=1e-6)
    assert (adj.n, adj.events) == (130, 69)
    assert adj.lower < 1 < adj.upper


def test_xpo1_correlates_with_the_covariates(mirror):
    rho = cf.covariate_correlations(cf.pdac_frame())["rho"]
    assert list(rho.index) == list(cf.CORRELATED)
    assert (rho > 0.15).all() and (rho < 0.35).all()


def test_redacted_patient_put_back(mirror):
    from xpo1review.analysis.parts import survival_part, survival_with_redacted

    main = survival_part("LIHC", n_permutations=200)
    back = survival_with_redacted("LIHC", n_permutations=200)
    redacted = main.dropped_for("redacted")
    assert len(redacted) == 1 and not back.dropped_for("redacted")
    assert back.n == main.n + 1
    assert redacted[0] in set(back.frame["patient"])
