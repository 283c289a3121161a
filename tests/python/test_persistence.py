"""Every fitted model pickles, deep-copies and round-trips through
save(path) / load(path) with identical predictions; files go through the C
library's model text, so C and Python read each other's files; damaged,
edited, future-version and wrong-kind files fail with clear errors."""

import copy
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import crvm
from crvm import lowlevel as ll


def _predictions(model, cdnow_summary, rossi_df):
    """What each kind of model predicts, as arrays (compared bit for bit)."""
    if isinstance(model, (crvm.ShiftedBetaGeometric, crvm.BetaDiscreteWeibull)):
        t = np.arange(0, 25)
        return [model.survival(t), model.derl(0.1, t), np.array([model.expected_lifetime()])]
    if isinstance(model, crvm.BetaGeoBetaBinom):
        x, r, n = np.array([0, 1, 3, 6.0]), np.array([0, 2, 5, 6.0]), np.full(4, 6.0)
        return [model.p_alive(x, r, n), model.expected_purchases(5, x, r, n)]
    if isinstance(model, crvm.GammaGamma):
        c = cdnow_summary
        return [np.asarray(model.expected_spend(c["frequency"], c["monetary_value"]))]
    if isinstance(model, crvm.KaplanMeier):
        return [model.survival_at(np.linspace(0, 60, 121)),
                model.confidence_interval_.to_numpy()]
    if isinstance(model, crvm.CoxPH):
        X = rossi_df.head(20)
        X = X if model._named else X.drop(columns=["week", "arrest"])
        X = X if model._named else X.to_numpy()
        return [np.asarray(model.predict_survival(X, [1, 10, 30, 52])),
                np.asarray(model.predict_partial_hazard(X)), model.summary.to_numpy()]
    f, r, T = cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]
    return [np.asarray(model.p_alive(f, r, T)), np.asarray(model.expected_purchases(10, f, r, T)),
            model.summary.to_numpy()]


def _fitted_models(cdnow_summary, rossi_df):
    f, r, T = cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"]
    repeat = cdnow_summary[cdnow_summary["frequency"] > 0]
    regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    km_groups = crvm.kaplan_meier_by_group(rossi_df["week"], rossi_df["arrest"], rossi_df["fin"])
    strat = rossi_df.drop(columns=["race"])
    long = rossi_df.assign(start=0.0).rename(columns={"week": "stop", "arrest": "event"})
    bgbb = pd.DataFrame({"frequency": [0, 1, 1, 2, 3, 4, 6, 2], "recency": [0, 1, 4, 5, 6, 6, 6, 3],
                         "n": 6, "w": [50, 12, 9, 8, 7, 9, 15, 6]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "sBG": crvm.ShiftedBetaGeometric().fit_cohort(regular[:5]),
            "BdW": crvm.BetaDiscreteWeibull().fit_cohort(regular),
            "BG/NBD": crvm.BetaGeo(penalizer_coef=0.001).fit(f, r, T),
            "MBG/NBD": crvm.ModifiedBetaGeo().fit(f, r, T),
            "Pareto/NBD": crvm.ParetoNBD().fit(f, r, T),
            "BG/BB": crvm.BetaGeoBetaBinom().fit(bgbb["frequency"], bgbb["recency"], bgbb["n"],
                                                 weights=bgbb["w"]),
            "Gamma-Gamma": crvm.GammaGamma().fit(repeat["frequency"], repeat["monetary_value"]),
            "Kaplan-Meier": crvm.KaplanMeier(alpha=0.1).fit(rossi_df["week"], rossi_df["arrest"],
                                                             label="rossi"),
            "Kaplan-Meier by group": km_groups[1],
            "Cox": crvm.CoxPH().fit(rossi_df, "week", "arrest"),
            "Cox arrays, robust, Breslow": crvm.CoxPH(ties="breslow").fit(
                rossi_df.drop(columns=["week", "arrest"]).to_numpy(), rossi_df["week"],
                rossi_df["arrest"],
                robust=True),
            "Cox stratified": crvm.CoxPH(alpha=0.1).fit(strat.assign(race=rossi_df["race"]), "week",
                                                        "arrest", strata=["race"]),
            "Cox time-varying": crvm.CoxTimeVarying().fit(long, event_col="event",
                                                         start_col="start", stop_col="stop"),
        }


@pytest.fixture(scope="module")
def models(cdnow_summary, rossi_df):
    return _fitted_models(cdnow_summary, rossi_df)


def _assert_same(a, b, cdnow_summary, rossi_df):
    assert type(a) is type(b)
    for x, y in zip(_predictions(a, cdnow_summary, rossi_df),
                    _predictions(b, cdnow_summary, rossi_df)):
        np.testing.assert_array_equal(x, y)  # bit-identical, not merely close


KINDS = ["sBG", "BdW", "BG/NBD", "MBG/NBD", "Pareto/NBD", "BG/BB", "Gamma-Gamma", "Kaplan-Meier",
         "Kaplan-Meier by group", "Cox", "Cox arrays, robust, Breslow", "Cox stratified",
         "Cox time-varying"]


@pytest.mark.parametrize("name", KINDS)
def test_pickle_deepcopy_and_files_give_identical_predictions(name, models, cdnow_summary, rossi_df,
                                                              tmp_path):
    model = models[name]
    for back in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model),
                 type(model).load(_saved(model, tmp_path / "m.crvm")),
                 crvm.load(tmp_path / "m.crvm")):
        _assert_same(model, back, cdnow_summary, rossi_df)
    assert repr(pickle.loads(pickle.dumps(model))) == repr(model)


def _saved(model, path):
    model.save(path)
    return path


def test_fitted_attributes_survive(models, tmp_path):
    bg = crvm.load(_saved(models["BG/NBD"], tmp_path / "bg.crvm"))
    ref = models["BG/NBD"]
    assert bg.params == ref.params and bg.standard_errors == ref.standard_errors
    assert bg.log_likelihood == ref.log_likelihood and bg.converged == ref.converged
    assert bg.penalizer_coef == 0.001
    assert bg.data is None  # the fitting data are pickled, not saved
    assert pickle.loads(pickle.dumps(ref)).data.equals(ref.data)
    cox = crvm.load(_saved(models["Cox stratified"], tmp_path / "cox.crvm"))
    ref = models["Cox stratified"]
    assert cox.covariates == ref.covariates and cox.strata == ["race"] and cox.alpha == 0.1
    pd.testing.assert_frame_equal(cox.summary, ref.summary)
    pd.testing.assert_frame_equal(cox.baseline_cumulative_hazard_,
                                  ref.baseline_cumulative_hazard_)
    assert cox.fit_report.log_likelihood == ref.fit_report.log_likelihood
    km = crvm.load(_saved(models["Kaplan-Meier"], tmp_path / "km.crvm"))
    assert km.label == "rossi" and km.alpha == pytest.approx(0.1, abs=1e-15)
    pd.testing.assert_frame_equal(km.survival_function_, models["Kaplan-Meier"].survival_function_)
    sbg = crvm.load(_saved(models["sBG"], tmp_path / "sbg.crvm"))
    assert sbg.standard_errors == models["sBG"].standard_errors
    assert sbg.fit_report == models["sBG"].fit_report


def test_assigned_parameters_pickle_but_do_not_save(tmp_path):
    m = crvm.BetaGeo()
    m.params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    back = pickle.loads(pickle.dumps(m))
    assert back.params == m.params and back.standard_errors is None
    assert back.p_alive(2, 30.43, 38.86) == m.p_alive(2, 30.43, 38.86)
    with pytest.raises(crvm.NotFittedError, match="only a fitted model can be saved"):
        m.save(tmp_path / "x.crvm")
    for cls, params in ((crvm.GammaGamma, {"p": 6.25, "q": 3.74, "v": 15.45}),
                        (crvm.ShiftedBetaGeometric, {"alpha": 0.7, "beta": 1.2})):
        m = cls()
        m.params = params
        assert pickle.loads(pickle.dumps(m)).params == m.params
    assert pickle.loads(pickle.dumps(crvm.CoxPH(ties="breslow"))).ties == "breslow"


def test_c_and_python_read_each_others_files(models, cdnow_summary, rossi_df, tmp_path):
    """The C library's crvm_X_save files load in Python (default names, no
    Python state), and Python's files load in C (the #py line is a comment)."""
    cases = [("sBG", ll.crvm_retention_fit_save, ll.crvm_retention_fit_load, "_fit"),
             ("BG/NBD", ll.crvm_txn_fit_save, ll.crvm_txn_fit_load, "_fit"),
             ("Gamma-Gamma", ll.crvm_gamma_gamma_fit_save, ll.crvm_gamma_gamma_fit_load, "_fit"),
             ("Kaplan-Meier", ll.crvm_km_save, ll.crvm_km_load, "_km"),
             ("Cox", ll.crvm_cox_save, ll.crvm_cox_load, "_cox")]
    for name, save, load, attr in cases:
        model = models[name]
        path = str(tmp_path / "c.crvm")
        save(getattr(model, attr), path)
        back = crvm.load(path)
        assert type(back) is type(model)
        if name == "Cox":  # C knows no names: x0, x1, ... and arrays in
            X = rossi_df.drop(columns=["week", "arrest"]).head(20).to_numpy()
            np.testing.assert_array_equal(back.predict_survival(X, [10, 52]),
                                          model.predict_survival(rossi_df.head(20), [10, 52]))
            assert back.covariates == [f"x{j}" for j in range(7)]
        else:
            _assert_same(model, back, cdnow_summary, rossi_df)
        model.save(path)
        handle = load(path)
        assert handle is not None


def _text(path):
    return path.read_text()


def test_damaged_files_fail_clearly(models, tmp_path):
    path = tmp_path / "bg.crvm"
    models["BG/NBD"].save(path)
    good = _text(path)
    cases = {
        "truncated": (good[: len(good) // 2], crvm.ParseError, "cut short"),
        "edited number": (good.replace("\nr 0.", "\nr 1.", 1), crvm.ParseError,
                          "checksum mismatch"),
        "future version": (good.replace("crvm-model 1", "crvm-model 7"), crvm.ParseError,
                           "format version 7 is newer"),
        "not a model": ("hello\n", crvm.ParseError, "not a crvm model"),
        "bad #py line": (good.replace("#py {", "#py {{", 1), crvm.ParseError, "not valid JSON"),
    }
    for what, (text, cls, message) in cases.items():
        path.write_text(text)
        with pytest.raises(cls, match=message):
            crvm.load(path)
        assert str(path) in str(pytest.raises(cls, crvm.load, path).value) or what in (
            "bad #py line",)
    models["Cox"].save(path)
    with pytest.raises(TypeError, match="holds a CoxPH, not a BetaGeo"):
        crvm.BetaGeo.load(path)
    cox = _text(path)
    with pytest.raises(crvm.ParseError, match="holds a 'cox' model, not a 'transactions' model"):
        ll.crvm_txn_fit_from_text(cox.encode())
    with pytest.raises(crvm.FileError, match="cannot open"):
        crvm.load(tmp_path / "missing.crvm")
    # The C library's own message names the file when C loads it.
    path.write_text(good[:100])
    with pytest.raises(crvm.ParseError, match=str(path)):
        ll.crvm_txn_fit_load(str(path))


def test_model_text_is_readable(models):
    from crvm._persist import model_text

    text = model_text("transactions", models["BG/NBD"]._fit)
    lines = text.splitlines()
    assert lines[1:4] == ["crvm-model 1", "kind transactions", "model BG/NBD"]
    assert lines[4].startswith("r ") and float(lines[4].split()[1]) == models["BG/NBD"].params["r"]
    assert lines[-1].startswith("checksum fnv1a64 ")
    assert ll.crvm_model_kind_of_text(text.encode()) == ll.CRVM_MODEL_TRANSACTIONS


def test_lifetimes_save_model_and_load_model(models, cdnow_summary, rossi_df, tmp_path):
    path = tmp_path / "bg.crvm"
    models["BG/NBD"].save_model(path)
    fresh = crvm.BetaGeo()
    fresh.load_model(path)
    _assert_same(models["BG/NBD"], fresh, cdnow_summary, rossi_df)
