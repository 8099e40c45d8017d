"""Issue target: each demo person's segment, computed on deduplicated customers, equals the segment computed on
the true persons for at least 99 % of persons."""
import pandas as pd

from analysis import customer_metrics, dedup, ingest, lifecycle, params, quality


def segments(receipts: pd.DataFrame, as_of, thresholds) -> pd.Series:
    return lifecycle.segment(customer_metrics.customer_metrics(receipts, as_of), thresholds)["segment"].astype(str)


def test_segments_of_deduplicated_customers_match_the_truth(demo_profile):
    p = params.load(demo_profile)
    tables = ingest.ingest(p).tables
    clean = quality.audit(tables["customers"], p["as_of"], p["quality"]).clean
    mapping = dedup.run(clean, p["dedup"]["engine"]).mapping
    thresholds = lifecycle.resolve_thresholds(p["lifecycle"]["thresholds"])
    keyed = dedup.keyed(tables["receipts"], mapping).dropna(subset=["customer_key"])
    ours = segments(keyed, p["as_of"], thresholds)
    truth = pd.read_parquet(f"{p['dedup']['truth_dir']}/records.parquet")
    by_person = keyed.drop(columns="customer_key").merge(
        truth.rename(columns={"source_id": "source_customer_id"}), on=["source", "source_customer_id"])
    theirs = segments(by_person.assign(customer_key=by_person["person_id"].astype(str)), p["as_of"], thresholds)
    person_key = mapping.merge(truth, on=["source", "source_id"]).groupby("person_id")["customer_key"].agg(
        lambda keys: keys.mode().iloc[0])
    compared = pd.DataFrame({"ours": person_key.map(ours).to_numpy(),
                             "truth": theirs.reindex(person_key.index.astype(str)).to_numpy()}).dropna()
    assert len(compared) > 300
    agreement = (compared["ours"] == compared["truth"]).mean()
    print(f"segment agreement {agreement:.4f} over {len(compared)} persons")
    assert agreement >= 0.99
