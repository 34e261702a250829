"""Train the prompt-injection model and rewrite src/vallum/detectors/models/injection.npz.

    .venv/bin/python training/train_injection.py            # leave-one-family-out, then fit
    .venv/bin/python training/train_injection.py --no-lofo  # reuse the stored calibration
    .venv/bin/python training/train_injection.py --from-oof # reuse the last run's LOFO scores
    .venv/bin/python training/train_injection.py --carriers # + clean carriers as weighted twins

Data (`injection_data`): the shared dataset's training split (validation = 20%, grouped by
BIPIA document, only scored at the end) and every generated family. Each row has a family (a
dataset source or a generated family). Leave-one-family-out (`injection_lofo`) refits the model
once per family without it and scores the family's rows; Platt calibration and the shipped
threshold are chosen on those out-of-family scores, not on an in-distribution split. The final
model is then fitted on everything and written. Figures go to training/injection_figures.json,
which the model card quotes. Everything is seeded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import injection_lofo as lofo  # noqa: E402
from injection_data import SEED, training_rows  # noqa: E402
from injection_fit import STRIDE, WINDOW, featurise, train  # noqa: E402

from vallum.detectors import injection_features as F  # noqa: E402

OUT = ROOT / "src/vallum/detectors/models/injection.npz"
FIGURES = ROOT / "training/injection_figures.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-lofo", action="store_true", help="reuse stored calibration")
    parser.add_argument("--families", nargs="*", help="leave out only these (a quick look)")
    parser.add_argument(
        "--from-oof",
        action="store_true",
        help="reuse the out-of-family scores of the last run (.vallum/injection_oof.npz)",
    )
    parser.add_argument(
        "--carriers",
        action="store_true",
        help="add the hard positives' clean carriers as equally weighted benign twins (off)",
    )
    args = parser.parse_args(argv)

    rows, val_rows = training_rows(carriers=args.carriers)
    print(f"training rows={len(rows)} validation rows={len(val_rows)}", file=sys.stderr)
    data = featurise(rows)
    y = np.array([r["label"] for r in rows], dtype=np.float64)

    if args.no_lofo:
        figures = json.loads(FIGURES.read_text())
        coef = np.array(figures["stacker"])
        g0, threshold = figures["gibberish_floor"], figures["threshold"]
    else:
        oof = ROOT / ".vallum/injection_oof.npz"
        if args.from_oof:
            with np.load(oof) as saved:
                z, g = saved["z"], saved["g"]
        else:
            z, g = lofo.out_of_family_logits(data, args.families)
            oof.parent.mkdir(exist_ok=True)
            np.savez(oof, z=z, g=g)  # to re-fit the head without LOFO (--from-oof)
        done = ~np.isnan(z)
        kept = [r for r, d in zip(rows, done, strict=True) if d]
        floored = np.flatnonzero(done)

        def floor(p: np.ndarray) -> np.ndarray:
            full = np.zeros(len(rows))
            full[floored] = p
            return lofo.with_floor(data, full)[floored]

        if args.families:  # too few families to calibrate on: sigmoid(logit)
            coef, g0 = np.array([1.0, 0.0, 0.0]), 0.0
            probs = floor(1 / (1 + np.exp(-np.clip(z[done], -60, 60))))
            threshold = lofo.choose_threshold(kept, probs)
        else:
            coef, g0, threshold, probs = lofo.fit_head(kept, z[done], g[done], floor)
        x = lofo.stack_inputs(z, g, g0)
        figures = {"stacker": [float(c) for c in coef], "gibberish_floor": g0}
        figures["threshold"] = threshold
        figures["lofo"] = lofo.summary(kept, probs, threshold)
        lofo.print_table(f"leave-one-family-out at {threshold:.2f}", figures["lofo"]["families"])
        print(json.dumps({k: v for k, v in figures["lofo"].items() if k != "families"}))
        # without the gibberish head, for comparison
        z_only = lofo.fit_stacker(x[done][:, :1], y[done])
        p_only = 1 / (1 + np.exp(-np.clip(np.nan_to_num(z) * z_only[0] + z_only[1], -60, 60)))
        p_only = floor(p_only[done])
        t_only = lofo.choose_threshold(kept, p_only)
        figures["lofo_ngram_only"] = lofo.summary(kept, p_only, t_only)
        print(
            "n-gram model alone:",
            json.dumps({k: v for k, v in figures["lofo_ngram_only"].items() if k != "families"}),
        )
        if args.families:
            return  # a partial run neither writes the model nor the figures

    print("fitting the shipped model on every row", file=sys.stderr)
    w, bias = train(data, np.arange(len(data.y)), seed=SEED)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT,
        w_shared=w[: F.DIM].astype(np.float16),
        w_input=w[F.DIM : 2 * F.DIM].astype(np.float16),
        w_data=w[2 * F.DIM :].astype(np.float16),
        bias=bias.astype(np.float32),
        platt=np.array(coef[[0, 2]], dtype=np.float32),
        gibberish=np.array([coef[1], g0], dtype=np.float32),
        lm=lofo.benign_table(data).astype(np.float16),
        threshold=np.array(threshold, dtype=np.float32),
        window=np.array([WINDOW, STRIDE], dtype=np.int64),
        bits=np.array(F.BITS, dtype=np.int64),
    )
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)

    from vallum.detectors.injection import InjectionDetector
    from vallum.model import Stage

    detector = InjectionDetector()
    p_val = np.array([detector.score(r["text"], Stage(r["stage"])) for r in val_rows])
    figures["validation"] = lofo.summary(val_rows, p_val, threshold)
    lofo.print_table("validation split (dataset, held out)", figures["validation"]["families"])
    print(json.dumps({k: v for k, v in figures["validation"].items() if k != "families"}))
    FIGURES.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
