"""The relationship value model on Spark: the customer value table, segment
roll-ups, contact impact, the support P&L's customer lines, the outreach
list and what-if scenarios of a base in Spark tables, equal to
:class:`crvm.ValueModel` on one machine.

How: the tables (customers, revenue, contacts, knowledge uses; articles go to
every bucket) are bucketed by a hash of the customer id, so a customer's rows
never span buckets, and each bucket becomes a crvm Ledger on an executor.

1. Each bucket gives the value model's retention panel with every candidate
   covariate, silence included (``ValueModel.candidate_panel``:
   ``crvm_value_rows_build``) -- the rows the single-machine fit uses, since a
   customer's periods depend only on its own rows.
2. The covariates that vary over the whole panel are the model's (as on one
   machine); the sBG/BdW with covariates is fitted by Newton's method on the
   partitions' summed log-likelihood (:func:`crvm.spark.fit_retention`), and
   the panel's rows are counted by segment and covariate vector (what the
   segments' future exposure multipliers need).
3. The model and the counts are broadcast; each bucket is valued with them
   (``ValueModel.fit_shared``: ``crvm_value_fit_shared``): its customers'
   rows are those of the whole base. Sums (segments, contact groups, P&L
   lines) add the buckets' exact cents, and their intervals come from the
   buckets' summed gradients (``crvm_value_segment_gradients``,
   ``crvm_value_impact_sums``) by the same delta-method formula
   (``crvm_value_sum_interval``).
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
import pandas as pd

from .. import lowlevel as _ll
from ..ledger import CostModel, Ledger
from ..retention_cov import RetentionRegression
from ..value import _PNL_LINES as _PNL_LINE_NAMES, _VC_COLS, _VS_COLS, CANDIDATES, GRADIENT_SUMS, ValueModel, assemble_pnl, assemble_scenario, sum_interval
from ._frames import BUCKET, by_customer, spark_schema
from .retention import _last_date, _span_article, fit_retention

__all__ = ["SparkValueModel"]

_TABLES = ("customers", "revenue", "contacts", "knowledge_uses")
_TAG = "_crvm_table"
#: The support P&L's lines, as :meth:`crvm.ValueModel.support_pnl` gives them.
PNL_LINES = list(_PNL_LINE_NAMES)
_PNL_SUMMED = ["support_plan_revenue", "sourced_revenue", "labour_cost", "channel_cost",
               "escalation_cost", "overhead_cost", "self_service_cost"]


def _cents(x) -> np.ndarray:
    return np.rint(np.asarray(x, dtype=np.float64) * 100.0)


def _bucket_ledger(state: dict, frame: pd.DataFrame) -> Ledger:
    """The bucket's ledger from its stacked rows (on an executor)."""
    tables = {}
    for name, cols in state["schemas"].items():
        rows = frame[frame[_TAG] == name]
        df = pd.DataFrame({c: rows[f"{name}__{c}"].to_numpy() for c, _ in cols})
        for c, kind in cols:
            if kind in ("int", "bigint", "smallint", "tinyint") and len(df):
                df[c] = df[c].astype(np.int64)
            elif kind == "boolean" and len(df):
                df[c] = df[c].astype(bool)
        tables[name] = df if len(df) else None
    return Ledger.from_frames(tables["customers"], revenue=tables.get("revenue"),
                              contacts=tables.get("contacts"), articles=state["articles"],
                              knowledge_uses=tables.get("knowledge_uses"))


def _bucket_model(state: dict, ledger: Ledger) -> ValueModel:
    """An unfitted ValueModel of the bucket with the options (on an executor)."""
    settings = dict(state["settings"])
    settings["cost_model"] = CostModel(**state["costs"])
    return ValueModel(ledger, **settings)


def _bucket_value(state: dict, frame: pd.DataFrame) -> Optional[ValueModel]:
    """The bucket valued with the shared model (None for a bucket without customers)."""
    if not (frame[_TAG] == "customers").any():
        return None
    shared = state["shared"].value
    model = RetentionRegression.from_params(shared["params"], shared["kind"], shared["labels"],
                                            shared["covariates"], shared["cov"])
    return _bucket_model(state, _bucket_ledger(state, frame)).fit_shared(state["as_of"], model,
                                                                         shared["counts"])


def _tree_sum(frame, length: int) -> np.ndarray:
    """The sum of a Spark DataFrame's array column ``v`` (tree aggregation)."""
    parts = frame.rdd.map(lambda r: np.array(r.v))
    return parts.treeAggregate(np.zeros(length), lambda a, b: a + b, lambda a, b: a + b, depth=2)


def _empty(schema: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[c.split("`")[1] for c in schema.split(", ")])


class SparkValueModel:
    """:class:`crvm.ValueModel` on Spark tables with the columns of
    docs/data-format.md: ``customers`` (required), ``revenue``, ``contacts``,
    ``knowledge_uses`` (Spark DataFrames, partitioned by customer in buckets)
    and ``articles`` (a small table, sent to every bucket). The other
    arguments are those of ValueModel (``retention`` "sbg" or "bdw";
    ``shrinkage`` must be 0: the segment means are not known to a bucket).
    ``buckets`` defaults to the shuffle partitions.

    Example::

        vm = crvm.spark.SparkValueModel(spark.table("customers"), spark.table("revenue"),
                                        spark.table("contacts")).fit("2024-06-30")
        vm.customers().write.parquet("values/")
        vm.segments(); vm.contact_impact(by="queue"); vm.support_pnl("2024-01-01", "2024-06-30")
        vm.outreach(50, rank="expected_saving"); vm.scenario("remap", share=0.5, extra_cost=40)
    """

    def __init__(self, customers, revenue=None, contacts=None, knowledge_uses=None,
                 articles: Optional[pd.DataFrame] = None, cost_model: Optional[CostModel] = None,
                 retention: str = "bdw", covariates: bool = True, horizon: int = 12,
                 discount_rate: Optional[float] = None, buckets: Optional[int] = None, **options):
        if retention not in ("sbg", "bdw"):
            raise ValueError(f"retention must be 'sbg' or 'bdw' on Spark, got {retention!r}")
        if options.get("shrinkage", 0.0) != 0:
            raise ValueError("shrinkage must be 0 on Spark (the segment means of the whole base "
                             "are not known to a bucket)")
        self._spark = customers.sparkSession
        self._buckets = buckets or int(self._spark.conf.get("spark.sql.shuffle.partitions"))
        self._tables = {"customers": customers, "revenue": revenue, "contacts": contacts,
                        "knowledge_uses": knowledge_uses}
        self._articles = articles
        self.cost_model = cost_model or CostModel()
        self._settings = dict(retention=retention, covariates=covariates, horizon=horizon,
                              discount_rate=discount_rate, **options)
        ValueModel(Ledger(), **self._settings)  # checks the options here, not on the executors
        # the cost model crosses to the executors as its assumptions
        self._costs = self.cost_model.describe()["value"].to_dict()
        self.retention_model: Optional[RetentionRegression] = None

    # ------------------------------------------------------------ buckets

    def _stacked(self):
        """One DataFrame of every table's rows, tagged with the table and
        bucketed by customer, each table's columns prefixed with its name."""
        from pyspark.sql import functions as F  # noqa: PLC0415

        self._schemas = {}
        parts = []
        for name, df in self._tables.items():
            if df is None:
                continue
            self._schemas[name] = [(f.name, f.dataType.simpleString()) for f in df.schema.fields]
        columns = [(f"{t}__{c}", kind) for t, cols in self._schemas.items() for c, kind in cols]
        # rows of no customer (self-service views made anonymously) go to the
        # bucket of the first customer, so that a valued bucket counts them once
        first = self._tables["customers"].agg(F.min("customer_id")).first()[0]
        home = F.pmod(F.xxhash64(F.lit(first)), F.lit(self._buckets))
        for name, df in self._tables.items():
            if df is None:
                continue
            key = F.col("customer_id")
            bucket = F.when(key.isNull(), home).otherwise(F.pmod(F.xxhash64(key), F.lit(self._buckets)))
            select = [F.lit(name).alias(_TAG), bucket.alias(BUCKET)]
            for full, kind in columns:
                table, col = full.split("__", 1)
                select.append((F.col(col) if table == name else F.lit(None).cast(kind)).alias(full))
            parts.append(df.select(*select))
        out = parts[0]
        for p in parts[1:]:
            out = out.unionByName(p)
        return out

    def _per_bucket(self, fn, schema: str):
        """fn(bucket's ValueModel) -> pandas DataFrame, over every bucket."""
        state = self._state

        def run(frame: pd.DataFrame) -> pd.DataFrame:
            vm = _bucket_value(state, frame)
            return fn(vm) if vm is not None else _empty(schema)
        return self._data.groupBy(BUCKET).applyInPandas(run, schema)

    def _summed(self, fn, length: int) -> np.ndarray:
        """Sum over the buckets of fn(bucket's ValueModel), a float array."""
        sums = self._per_bucket(lambda vm: pd.DataFrame({"v": [np.asarray(fn(vm), np.float64).tolist()]}),
                                "`v` array<double>")
        return _tree_sum(sums, length)

    def _knowledge_stats(self) -> np.ndarray:
        """The whole base's knowledge estimate statistics as of as_of
        (Ledger.knowledge_estimate_stats summed over the buckets; one job, kept)."""
        if self._ke_stats is None:
            state = self._state

            def run(frame: pd.DataFrame) -> pd.DataFrame:
                if not (frame[_TAG] == "customers").any():
                    return _empty("`v` array<double>")
                stats = _bucket_ledger(state, frame).knowledge_estimate_stats(
                    state["as_of"], CostModel(**state["costs"]))
                return pd.DataFrame({"v": [stats.tolist()]})
            parts = self._data.groupBy(BUCKET).applyInPandas(run, "`v` array<double>")
            self._ke_stats = _tree_sum(parts, _ll.CRVM_KE_STATS)
        return self._ke_stats

    # -------------------------------------------------------------- fitting

    def fit(self, as_of, model: Optional[RetentionRegression] = None, sample_subjects: int = 20_000,
            tolerance: float = 1e-10) -> "SparkValueModel":
        """Build the panel per bucket, fit the retention model to the summed
        likelihood (or take ``model``, a RetentionRegression over the segments
        and a subset of the candidate covariates), and count the panel's rows
        for the future exposure. Returns self; the figures are computed by the
        methods below, each one Spark job over the buckets."""
        from pyspark.sql import functions as F  # noqa: PLC0415

        self.as_of = pd.Timestamp(as_of)
        contacts = self._tables["contacts"]
        span = _span_article(_last_date(self._tables["customers"], contacts if contacts is not None
                                        else self._tables["customers"]))
        articles = pd.concat([a for a in (self._articles, span) if a is not None], ignore_index=True)
        # one shuffle: every job's groupBy(bucket) then finds the rows in place
        self._data = self._stacked().repartition(self._buckets, BUCKET).cache()
        state = {"schemas": self._schemas, "articles": articles if len(articles) else None,
                 "settings": self._settings, "costs": self._costs, "as_of": self.as_of}
        id_type = self._tables["customers"].schema["customer_id"].dataType.simpleString()
        schema = spark_schema([("id", id_type), ("segment", "string"), ("period", "int"),
                               ("event", "int")] + [(c, "double") for c in CANDIDATES] +
                              [("recent", "int")])
        settings = self._settings

        def panel(frame: pd.DataFrame) -> pd.DataFrame:
            if not (frame[_TAG] == "customers").any():
                return _empty(schema)
            p = _bucket_model(state, _bucket_ledger(state, frame)).candidate_panel(state["as_of"])
            p["segment"] = p["segment"].astype(str)
            return p

        self.panel = self._data.groupBy(BUCKET).applyInPandas(panel, schema).cache()
        counts = (self.panel.groupBy("segment", *CANDIDATES)
                  .agg(F.sum("recent").alias("recent"), F.count(F.lit(1)).alias("rows")).toPandas())
        counts = counts.sort_values(["segment"] + CANDIDATES, kind="mergesort").reset_index(drop=True)
        if model is None:
            varying = [c for c in CANDIDATES if settings.get("covariates", True)
                       and counts[c].nunique() > 1]
            model = fit_retention(self.panel, settings["retention"], covariates=varying,
                                  sample_subjects=sample_subjects, tolerance=tolerance)
        self.retention_model = model
        self.pattern_counts = counts
        state["shared"] = self._spark.sparkContext.broadcast({
            "params": model._params, "kind": model.kind, "labels": [str(g) for g in model._labels],
            "covariates": list(model._covariates), "cov": model._cov, "counts": counts})
        self._state = state
        self._labels = [str(g) for g in model._labels]
        self._k = len(model._params)
        self._ke_stats = None
        return self

    # -------------------------------------------------------------- figures

    def _customer_schema(self, extra=()) -> str:
        """The schema of the value table's rows (customer_id first), then extra."""
        id_type = self._tables["customers"].schema["customer_id"].dataType.simpleString()
        types = {"active": "boolean", "segment": "string", "tenure": "bigint", "silence": "bigint"}
        return spark_schema([("customer_id", id_type)] +
                            [(c, types.get(c, "double")) for c in _VC_COLS] + list(extra))

    def customers(self):
        """The value table: a Spark DataFrame of every customer with the
        columns of :meth:`crvm.ValueModel.customers` and ``customer_id``."""
        return self._per_bucket(lambda vm: vm.customers().rename_axis("customer_id").reset_index(),
                                self._customer_schema())

    def outreach(self, n: int = 20, rank: str = "value_at_risk") -> pd.DataFrame:
        """The ``n`` active customers of the whole base ranked first, with the
        columns of :meth:`crvm.ValueModel.outreach` (pandas, on the driver,
        indexed by customer id). Each bucket lists its own first ``n`` with
        their scores (:meth:`crvm.ValueModel.outreach_scores`, the library's
        ranking key), and the driver keeps the ``n`` highest scores of those
        lists: the base's list, since a customer's figures are those of the
        whole base. Equal scores go by customer id (on one machine, by ledger
        order)."""
        if rank not in ("value_at_risk", "expected_saving"):
            raise ValueError(f"rank must be 'value_at_risk' or 'expected_saving', got {rank!r}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")

        schema = self._customer_schema([("drivers", "string"), ("_score", "double")])

        def bucket(vm: ValueModel) -> pd.DataFrame:
            top = vm.outreach(n, rank)
            if len(top) == 0:  # its empty columns of mixed kinds do not convert to Arrow
                return _empty(schema)
            top["_score"] = vm.outreach_scores(rank).loc[top.index].to_numpy()
            return top.rename_axis("customer_id").reset_index()

        lists = self._per_bucket(bucket, schema).toPandas()
        best = lists.sort_values(["_score", "customer_id"], ascending=[False, True],
                                 kind="mergesort").head(n)
        return best.drop(columns="_score").set_index("customer_id")

    def segments(self) -> pd.DataFrame:
        """Segment roll-ups (pandas, on the driver): the columns of
        :meth:`crvm.ValueModel.segments`, one row per segment of the model and
        "All"; sums of the buckets' cents, intervals from their summed gradients."""
        labels, k = self._labels, self._k
        G = len(labels)

        def bucket(vm: ValueModel) -> np.ndarray:
            seg = vm.segments().iloc[:-1]
            rows = np.zeros((G, 5))
            at = [labels.index(str(s)) for s in seg.index]
            rows[at, 0] = seg["customers"]
            rows[at, 1] = _cents(seg["contribution_per_period"])
            rows[at, 2] = seg["expected_retained"]
            rows[at, 3] = _cents(seg["residual_value"])
            rows[at, 4] = _cents(seg["value_at_risk"])
            return np.concatenate([rows.ravel(), vm.segment_gradients().ravel()])

        total = self._summed(bucket, G * 5 + G * len(GRADIENT_SUMS) * k)
        sums = total[:G * 5].reshape(G, 5)
        grads = total[G * 5:].reshape(G, len(GRADIENT_SUMS), k)
        sums = np.vstack([sums, sums.sum(axis=0)])
        grads = np.concatenate([grads, grads.sum(axis=0, keepdims=True)])
        conf = self._settings.get("confidence", 0.95)
        out = []
        for g in range(G + 1):
            s, gr = sums[g], grads[g]
            row = {"customers": int(s[0]), "contribution_per_period": s[1] / 100,
                   "expected_retained": s[2]}
            row["expected_retained_lower"], row["expected_retained_upper"] = sum_interval(
                self.retention_model, s[2], gr[0], money=False, confidence=conf)
            for j, name in ((3, "residual_value"), (4, "value_at_risk")):
                row[name] = s[j] / 100
                row[f"{name}_lower"], row[f"{name}_upper"] = sum_interval(
                    self.retention_model, s[j] / 100, gr[j - 2], confidence=conf)
            out.append(row)
        df = pd.DataFrame(out, index=pd.Index(labels + ["All"], name="segment"))
        return df[_VS_COLS]

    def contact_impact(self, by: Union[str, Sequence[str]] = "outcome",
                       reference: Optional[str] = "resolved", start=None, end=None) -> pd.DataFrame:
        """Contact impacts summed by ``by`` (as :meth:`crvm.ValueModel.contact_impact`:
        a contact column, an attribute or a list), with the interval of each
        sum, as a pandas DataFrame on the driver: the buckets' groups are
        matched by label, their cents and gradients summed."""
        keys = [by] if isinstance(by, str) else list(by)
        k = self._k
        schema = spark_schema([(f"_key{j}", "string") for j in range(len(keys))] +
                              [("contacts", "double"), ("impact", "double")] +
                              [(f"_g{j}", "double") for j in range(k)])

        def bucket(vm: ValueModel) -> pd.DataFrame:
            group, groups, index = vm._grouping(by, start, end)
            if groups == 0:
                return pd.DataFrame(columns=[f"_key{j}" for j in range(len(keys))] +
                                    ["contacts", "impact"] + [f"_g{j}" for j in range(k)])
            sums = vm.impact_sums(group, groups, reference)
            labels = index.to_frame(index=False) if isinstance(index, pd.MultiIndex) else \
                pd.DataFrame({0: list(index)})
            out = pd.DataFrame({f"_key{j}": labels.iloc[:, j].astype(str).to_numpy()
                                for j in range(len(keys))})
            out["contacts"] = sums[:, 0]
            out["impact"] = _cents(sums[:, 1])
            for j in range(k):
                out[f"_g{j}"] = sums[:, 2 + j]
            return out

        from pyspark.sql import functions as F  # noqa: PLC0415

        parts = self._per_bucket(bucket, schema)
        key_cols = [f"_key{j}" for j in range(len(keys))]
        summed = parts.groupBy(*key_cols).agg(*[F.sum(c).alias(c) for c in parts.columns
                                                if c not in key_cols]).toPandas()
        summed = summed.sort_values(key_cols, kind="mergesort")
        conf = self._settings.get("confidence", 0.95)
        rows = []
        for _, r in summed.iterrows():
            g = r[[f"_g{j}" for j in range(k)]].to_numpy(np.float64)
            lo, hi = sum_interval(self.retention_model, r["impact"] / 100, g, confidence=conf)
            rows.append({"contacts": int(r["contacts"]), "impact": r["impact"] / 100,
                         "impact_lower": lo, "impact_upper": hi})
        index = (pd.MultiIndex.from_frame(summed[key_cols].set_axis(keys, axis=1))
                 if len(keys) > 1 else pd.Index(summed[key_cols[0]].to_numpy(), name=keys[0]))
        return pd.DataFrame(rows, index=index, columns=["contacts", "impact", "impact_lower",
                                                        "impact_upper"])

    def scenario(self, kind: str = "remap", **policy) -> pd.Series:
        """A what-if policy (the arguments of :meth:`crvm.ValueModel.scenario`)
        over the whole base: each bucket's sums (``ValueModel.scenario_sums``:
        contacts, cost change in cents, value change in whole cents and its
        gradient) added, and the columns formed from the total by the library
        (:func:`crvm.value.assemble_scenario`): the single machine's to the cent."""
        k = self._k
        total = self._summed(lambda vm: vm.scenario_sums(kind, **policy), 3 + k)
        return assemble_scenario(self.retention_model, total,
                                 self._settings.get("confidence", 0.95))

    def support_pnl(self, start=None, end=None) -> pd.Series:
        """The support P&L of the days [start, end], every line of
        :meth:`crvm.ValueModel.support_pnl` and equal to it to the cent
        (self-service views of no customer go to the first customer's bucket).
        Lines that are sums over customers are summed in cents; the knowledge
        savings use the whole base's estimate (its statistics summed over the
        buckets first) and per-article sums added over the buckets, rounded and
        costed once on the driver (Ledger.pnl_knowledge_lines); the totals are
        formed by the library from the summed lines (crvm.value.assemble_pnl)."""
        k, ns = self._k, len(_PNL_SUMMED)
        stats, as_of = self._knowledge_stats(), self.as_of
        articles = self._state["articles"]
        na = 0 if articles is None else len(articles)

        def bucket(vm: ValueModel) -> np.ndarray:
            pnl = vm.support_pnl(start, end)
            n = len(vm.ledger.contact_ids())
            eff = vm.impact_sums(np.zeros(n, np.int32), 1, None, start, end)[0]
            know = vm.ledger.pnl_knowledge_sums(stats, as_of, start, end, vm.cost_model).ravel()
            return np.concatenate([_cents(pnl[_PNL_SUMMED]), [pnl["contacts"], eff[0]],
                                   [_cents(eff[1])], eff[2:], know])

        total = self._summed(bucket, ns + 3 + k + 2 * na)
        c = dict(zip(_PNL_SUMMED, total[:ns]))
        effect = total[ns + 2]
        lo, hi = sum_interval(self.retention_model, effect / 100, total[ns + 3:ns + 3 + k],
                              confidence=self._settings.get("confidence", 0.95))
        customers = self._tables["customers"]
        driver = Ledger.from_frames(pd.DataFrame(columns=customers.columns), articles=articles)
        know = driver.pnl_knowledge_lines(stats, total[ns + 3 + k:], as_of, start, end,
                                         self.cost_model)
        c.update(zip(know.index, _cents(know)))
        lines = {line: cents / 100 for line, cents in c.items()}
        lines.update(contact_value_effect=effect / 100, contact_value_effect_lower=lo,
                     contact_value_effect_upper=hi, contacts=total[ns])
        return assemble_pnl(lines)
